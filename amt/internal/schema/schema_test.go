package schema

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNamesMatchRecordedResponses checks the names against the responses
// of real firmware in amt/testdata: a typo here would otherwise be shared
// by the client and the simulator and pass every simulated test.
func TestNamesMatchRecordedResponses(t *testing.T) {
	tests := []struct {
		file  string
		names []string
	}{
		{"associatedpower_pull.xml", []string{AssociatedPower, PowerService, ComputerSystem, PowerServiceName, SystemName}},
		{"bootsettingdata_get.xml", []string{BootSettings, BootSettingsID}},
		{"generalsettings_get.xml", []string{General, GeneralSettingsID}},
		{"kvm_pull.xml", []string{KVMSAP}},
		{"messagelog_getrecords.xml", []string{MessageLog}},
		{"optin_get.xml", []string{OptIn, OptInName}},
		{"physicalmemory_pull.xml", []string{Memory}},
		{"redirectionservice_get.xml", []string{Redirection, RedirectionName}},
		{"requestpowerstatechange.xml", []string{PowerService}},
		{"setupandconfiguration_get.xml", []string{SetupService, SetupServiceName}},
		{"softwareidentity_pull.xml", []string{SoftwareID}},
		{"systempackage_pull.xml", []string{SystemPackage, Chassis}},
		{"systempowerscheme_pull.xml", []string{PowerScheme}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", tt.file))
			require.NoError(t, err)
			for _, n := range tt.names {
				assert.Contains(t, string(b), n)
			}
		})
	}
}

func TestClassName(t *testing.T) {
	assert.Equal(t, "CIM_Chassis", ClassName(Chassis))
	assert.Equal(t, "plain", ClassName("plain"))
	assert.Equal(t, PortPolicyClass, ClassName(PortPolicy))
	assert.Equal(t, FilterStatsClass, ClassName(FilterStats))
	assert.Equal(t, EthernetPortClass, ClassName(EthernetPort))
}
