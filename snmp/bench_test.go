package snmp

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/snmp/snmptest"
)

// BenchmarkDecodePET measures PET decoding plus conversion to an
// oobkit.Event, in traps per second.
func BenchmarkDecodePET(b *testing.B) {
	data := readHexBytes(b, "testdata/pet-dell.hex")
	b.ReportAllocs()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		p, err := DecodePET(dellSpecific, data)
		if err != nil {
			b.Fatal(err)
		}
		_ = p.Event("10.0.0.1")
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "traps/s")
}

// waitProgress polls count until it reaches n or stops growing for idle,
// and returns the final count and when it last grew.
func waitProgress(count func() int, n int, idle time.Duration) (int, time.Time) {
	last, lastAt := -1, time.Now()
	for {
		c := count()
		if c != last {
			last, lastAt = c, time.Now()
		}
		if c >= n || time.Since(lastAt) > idle {
			return c, lastAt
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkListenerThroughput sends b.N v1 PETs with gosnmp as fast as it
// can to a Listener whose consumer drains the Events channel, and reports
// received traps/s, how many the listener dropped (queue full) and how many
// never arrived (lost in the kernel's socket buffer).
func BenchmarkListenerThroughput(b *testing.B) {
	l, err := Listen(context.Background(), "127.0.0.1:0", WithQueueSize(4096))
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan int)
	go func() {
		n := 0
		for range l.Events() {
			n++
		}
		done <- n
	}()
	g := newTrapSender(b, l.Addr(), gosnmp.Version1, "public")
	trap := petTrap(dellSpecific, readHexBytes(b, "testdata/pet-dell.hex"))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := g.SendTrap(trap); err != nil {
			b.Fatal(err)
		}
	}
	got, at := waitProgress(func() int { return int(l.Stats().Received) }, b.N, time.Second)
	b.StopTimer()
	_ = l.Close()
	<-done
	s := l.Stats()
	b.ReportMetric(float64(got)/at.Sub(start).Seconds(), "traps/s")
	b.ReportMetric(float64(s.Dropped), "dropped")
	b.ReportMetric(float64(b.N-got), "lost")
}

// BenchmarkSnmptrapdHandlerProcess is the comparison point: net-snmp
// snmptrapd running one handler process per trap (traphandle), fed the same
// gosnmp v1 PETs. It reports handled traps/s and how many were never handled.
func BenchmarkSnmptrapdHandlerProcess(b *testing.B) {
	td, err := snmptest.NewTrapd()
	peer.Check(b, err)
	b.Cleanup(func() { _ = td.Close() })
	g := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(td.Port), Transport: "udp", Community: snmptest.Community,
		Version: gosnmp.Version1, Timeout: time.Second, Logger: gosnmp.NewLogger(nil)}
	if err := g.Connect(); err != nil {
		b.Fatal(err)
	}
	defer g.Conn.Close()
	trap := petTrap(dellSpecific, readHexBytes(b, "testdata/pet-dell.hex"))
	base := td.Handled()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := g.SendTrap(trap); err != nil {
			b.Fatal(err)
		}
	}
	got, at := waitProgress(func() int { return td.Handled() - base }, b.N, 3*time.Second)
	b.StopTimer()
	b.ReportMetric(float64(got)/at.Sub(start).Seconds(), "traps/s")
	b.ReportMetric(float64(b.N-got), "lost")
}

// BenchmarkListenerV3Inform measures one SHA/AES SNMPv3 inform through the
// listener's receive path: USM verification, decryption, time window,
// event building and the encrypted, authenticated Response, in informs/s.
func BenchmarkListenerV3Inform(b *testing.B) {
	user := trapUser(snmptest.AuthPassphrase, snmptest.PrivPassphrase)
	l, err := Listen(context.Background(), "127.0.0.1:0", WithUSMUsers(user), WithEngineID(testEngineID), WithEngineBoots(7))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = l.Close() })
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sink.Close() })
	from := sink.LocalAddr().(*net.UDPAddr)
	msg := v3Message(b, user, string(testEngineID), 7, 0, gosnmp.InformRequest)
	b.ReportAllocs()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		l.handle(msg, from)
		<-l.queue
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "informs/s")
	if s := l.Stats(); s.InformsAcked != uint64(b.N) {
		b.Fatalf("acknowledged %d of %d informs: %+v", s.InformsAcked, b.N, s)
	}
}
