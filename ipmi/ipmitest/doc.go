// Package ipmitest starts IPMI BMCs on loopback for tests, benchmarks and
// simulated fleets.
//
// Three kinds, each with the shape every oobkit simulator shares (a
// constructor taking a Config and returning the simulator and an error,
// Target, Credential, Close):
//
//   - [NewServer] / [NewFleet]: go-ipmi's reference BMC server (pkg/server
//     with the in-memory pkg/hal/mock hardware), in-process, on a free UDP
//     port of 127.0.0.1. RMCP+ with cipher suites 3 and 17; chassis power,
//     boot flags, device ID, FRU and SDR; no SEL. Cheap: a thousand start in
//     well under a second. Choose the initial power state and credentials in
//     [Config]; [Server.Target] gives the oobkit.Target (address 127.0.0.1,
//     port in Target.Ports[oobkit.IPMI]) and [Server.Credential] the
//     credential.
//
//   - [NewSim]: Debian's OpenIPMI ipmi_sim, a real and independent BMC,
//     with a configuration generated in a temporary directory from testdata
//     (users, a chassis-control script keeping power/boot/identify state in
//     files, a FRU, SDRs, a pre-seeded SEL record, a SOL serial console and
//     the emulator console), on a free loopback port; Close stops it and
//     removes the directory. [Sim.Ipmitool] runs ipmitool against it for
//     cross-checks. When ipmi_sim or ipmitool is missing the error wraps
//     [ErrNotInstalled].
//
//   - [NewPyghmi]: pyghmi's BMC server (Debian python3-pyghmi), a third
//     RMCP+ implementation written independently of both, for cross-checks.
//
// A fleet for package tasks:
//
//	fleet, err := ipmitest.NewFleet(100, ipmitest.Config{Power: oobkit.PowerS0, Username: "ops", Password: "pw"})
//	defer fleet.Close()
//	targets := fleet.Targets() // []oobkit.Target, one per BMC
package ipmitest
