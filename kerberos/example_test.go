package kerberos_test

import (
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/kerberos"
)

// A domain user's Kerberos credential for AMT, and the service principals
// the AMT client asks tickets for. Pass the credential to amt.New as any
// other; with a KDC list it needs no krb5.conf.
func Example() {
	cred := oobkit.Credential{
		Auth:     oobkit.AuthKerberos,
		Username: "operator@CORP.EXAMPLE",
		Password: oobkit.NewSecret("…"),
		Kerberos: &oobkit.KerberosSettings{KDC: []string{"dc1.corp.example:88"}},
	}
	user, realm, _ := kerberos.Principal(cred)
	fmt.Println(user, realm)
	fmt.Println(kerberos.AMTSPNs("amt-0042.corp.example", kerberos.PortAMTHTTPS))
	fmt.Println(kerberos.WinRMSPNs("pc-0042.corp.example"))
	// Output:
	// operator CORP.EXAMPLE
	// [HTTP/amt-0042.corp.example:16993 HTTP/amt-0042.corp.example]
	// [HTTP/pc-0042.corp.example WSMAN/pc-0042.corp.example]
}
