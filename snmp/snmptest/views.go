package snmptest

// Read-only communities of the agent whose views hide parts of the MIB, so
// that a client's fallbacks can be tested against the same real snmpd.
const (
	// CommunityNoInetCidr sees everything but RFC 4292's
	// inetCidrRouteTable: route readers fall back to RFC 2096's
	// ipCidrRouteTable.
	CommunityNoInetCidr = "noinetcidr"
	// CommunityRFC1213Routes sees neither IP-FORWARD-MIB table nor RFC
	// 4293's ipAddressTable: route readers fall back to RFC 1213's
	// ipRouteTable and address readers to ipAddrTable.
	CommunityRFC1213Routes = "rfc1213"
)
