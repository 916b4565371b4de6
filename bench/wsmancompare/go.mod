module github.com/oobkit/oobkit/bench/wsmancompare

go 1.26.0

require (
	github.com/beevik/etree v1.8.1
	github.com/oobkit/oobkit v0.0.0
)

require (
	github.com/Azure/go-ntlmssp v0.1.1 // indirect
	github.com/device-management-toolkit/go-wsman-messages/v2 v2.9.2
	github.com/google/uuid v1.6.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/sirupsen/logrus v1.9.4 // indirect
	golang.org/x/sys v0.49.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/oobkit/oobkit => ../..

// go-wsman-messages is not served by the Go module proxy here
// ("403 Forbidden: This module version is not available"); build against a
// local checkout, see BENCHMARKS.md.
replace github.com/device-management-toolkit/go-wsman-messages/v2 => ./go-wsman-messages
