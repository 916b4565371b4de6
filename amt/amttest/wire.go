package amttest

import (
	"encoding/binary"

	"github.com/oobkit/oobkit"
	"time"

	"github.com/oobkit/oobkit/internal/wsman"
)

// This file holds the simulator's own reading of the AMT wire: values and
// layouts written from the Intel AMT SDK class reference and the DMTF
// profiles, not taken from package amt, so that a decoding mistake on the
// client side is not mirrored here (issue 18; the independence check in
// simindep_test.go keeps client packages out of this package).

// RequestPowerStateChange PowerState values of CIM_PowerManagementService
// (DMTF DSP1027 Power State Management Profile 2.0, Table 3 "PowerState
// values"; Intel AMT SDK, CIM_PowerManagementService.RequestPowerStateChange:
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/HTMLDocuments/WS-Management_Class_Reference/CIM_PowerManagementService.htm).
const (
	powerOther                = 1
	powerOn                   = 2
	powerSleepLight           = 3
	powerSleepDeep            = 4
	powerCycleOffSoft         = 5
	powerOffHard              = 6
	powerHibernate            = 7
	powerOffSoft              = 8
	powerMasterBusReset       = 10
	powerNMI                  = 11
	powerOffSoftGraceful      = 12
	powerOffHardGraceful      = 13
	powerMasterBusResetGrace  = 14
	powerCycleOffSoftGraceful = 15
)

// AMT_SetupAndConfigurationService ProvisioningState and ProvisioningMode
// values (Intel AMT SDK, AMT_SetupAndConfigurationService:
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/HTMLDocuments/WS-Management_Class_Reference/AMT_SetupAndConfigurationService.htm:
// ProvisioningState 0 PreProvisioning, 1 InProvisioning, 2 PostProvisioning;
// ProvisioningMode 1 Admin control mode, 4 Client control mode).
const (
	statePre          = 0
	statePost         = 2
	modeAdminControl  = 1
	modeClientControl = 4
)

// CIM_BootSourceSetting InstanceIDs AMT offers (Intel AMT SDK, "Boot Control"
// sample and CIM_BootSourceSetting:
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/HTMLDocuments/WS-Management_Class_Reference/CIM_BootSourceSetting.htm).
const (
	bootSourcePXE       = "Intel(r) AMT: Force PXE Boot"
	bootSourceHardDrive = "Intel(r) AMT: Force Hard-drive Boot"
	bootSourceCD        = "Intel(r) AMT: Force CD/DVD Boot"
)

// BootSettings are the AMT_BootSettingData flags the simulator keeps
// (Intel AMT SDK, AMT_BootSettingData:
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/HTMLDocuments/WS-Management_Class_Reference/AMT_BootSettingData.htm).
// IDERCD is IDERBootDevice = 1 (the CD drive; 0 is the floppy).
type BootSettings struct {
	UseSOL, UseIDER, IDERCD                             bool
	BIOSSetup, BIOSPause                                bool
	LockKeyboard, LockPowerButton, LockResetButton      bool
	LockSleepButton, UserPasswordBypass, ForcedProgress bool
}

// readBootSettings reads the flags of an AMT_BootSettingData body as the
// device would on Put.
func readBootSettings(in *wsman.Instance) BootSettings {
	return BootSettings{
		UseSOL: in.Bool("UseSOL"), UseIDER: in.Bool("UseIDER"), IDERCD: in.Get("IDERBootDevice") == "1",
		BIOSSetup: in.Bool("BIOSSetup"), BIOSPause: in.Bool("BIOSPause"),
		LockKeyboard: in.Bool("LockKeyboard"), LockPowerButton: in.Bool("LockPowerButton"),
		LockResetButton: in.Bool("LockResetButton"), LockSleepButton: in.Bool("LockSleepButton"),
		UserPasswordBypass: in.Bool("UserPasswordBypass"), ForcedProgress: in.Bool("ForcedProgressEvents"),
	}
}

// RedirectionSettings say which redirection features the device has
// enabled: AMT_RedirectionService.EnabledState 32768..32771 (none, IDE-R,
// SOL, both) and CIM_KVMRedirectionSAP.EnabledState 2 or 6 (Intel AMT SDK,
// AMT_RedirectionService:
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/HTMLDocuments/WS-Management_Class_Reference/AMT_RedirectionService.htm),
// and whether the redirection port listens (ListenerEnabled).
type RedirectionSettings struct {
	SOL, IDER, KVM, Listener bool
}

// Record is one AMT_MessageLog event record as the device stores it. Its
// 21-byte wire form (Encode) is the layout of the RecordArray entries of
// AMT_MessageLog.GetRecords (Intel AMT SDK, AMT_MessageLog:
// https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/HTMLDocuments/WS-Management_Class_Reference/AMT_MessageLog.htm):
// TimeStamp (4 bytes, little-endian seconds since 1970), DeviceAddress,
// EventSensorType, EventType, EventOffset, EventSourceType, EventSeverity,
// SensorNumber, Entity, EntityInstance, EventData[8].
type Record struct {
	// Time is the record's timestamp.
	Time time.Time
	// DeviceAddress is the address of the device that raised the event.
	DeviceAddress uint8
	// SensorType is the IPMI sensor type code.
	SensorType uint8
	// EventType is the IPMI event/reading type code.
	EventType uint8
	// Offset is the event offset; bit 7 marks a deassertion.
	Offset uint8
	// SourceType is the ASF event source type.
	SourceType uint8
	// Severity is the ASF severity byte.
	Severity uint8
	// SensorNumber is the sensor's number.
	SensorNumber uint8
	// Entity and EntityInstance are the IPMI entity ID and instance.
	Entity, EntityInstance uint8
	// Data is the event data (bytes 0–2 are IPMI event data 1–3).
	Data [8]byte
}

// recordSize is the size of one AMT_MessageLog record.
const recordSize = 21

// Encode returns the record's 21-byte wire form.
func (r Record) Encode() []byte {
	b := make([]byte, recordSize)
	binary.LittleEndian.PutUint32(b, uint32(r.Time.Unix()))
	copy(b[4:13], []byte{r.DeviceAddress, r.SensorType, r.EventType, r.Offset, r.SourceType,
		r.Severity, r.SensorNumber, r.Entity, r.EntityInstance})
	copy(b[13:], r.Data[:])
	return b
}

// acpiOffset is the event offset of a "System ACPI Power State" record
// (sensor type 22h) for a Table C-3 row, per IPMI v2.0 Table 42-3: 00h S0/G0
// "working", 01h S1 … 0Ah "S5 entered by override" are rows 1–11 in order,
// 0Bh Legacy ON, 0Ch Legacy OFF, 0Eh Unknown
// (https://www.intel.com/content/dam/www/public/us/en/documents/product-briefs/ipmi-second-gen-interface-spec-v2-rev1-1.pdf).
func acpiOffset(s oobkit.PowerState) uint8 {
	switch c := s.Code(); {
	case c == oobkit.UnknownCode || c < 1 || c > 13:
		return 0x0e
	default:
		return uint8(c - 1)
	}
}
