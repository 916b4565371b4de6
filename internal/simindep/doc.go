// Package simindep holds the check that oobkit's simulators do not import
// the client packages they are meant to test (issue 18): a simulator that
// shares the client's decoder agrees with it by construction, and a decoding
// bug then passes every test. The check is simindep_test.go; it runs with
// the rest of the suite in scripts/test.sh.
package simindep
