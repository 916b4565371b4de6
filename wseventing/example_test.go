package wseventing_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/oobkit/oobkit/wseventing"
)

// A listener receives a PushWithAck delivery from a device, acknowledges it
// and hands the event on.
func ExampleListener() {
	l := wseventing.New()
	if err := l.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer l.Close()

	body, err := os.ReadFile("testdata/alert_pushwithack.xml") // what a DASH computer pushes
	if err != nil {
		panic(err)
	}
	resp, err := http.Post(l.URL(), "application/soap+xml;charset=UTF-8", strings.NewReader(string(body)))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	ev := <-l.Events()
	fmt.Println(resp.StatusCode, l.Stats().Acks)
	fmt.Println(ev.Target, ev.Source, ev.Severity, ev.Code)
	fmt.Println(ev.Description)
	// Output:
	// 200 1
	// pc-17 dash critical PLAT0001
	// Fan speed below threshold
}

// Parse reads one delivery, with the reference parameters the subscriber
// asked the device to echo.
func ExampleParse() {
	f, err := os.Open("testdata/alert_pushwithack.xml")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	d, err := wseventing.Parse(f, 0)
	if err != nil {
		panic(err)
	}
	in := d.Indications[0]
	fmt.Println(d.AckRequested, d.ReferenceParameters[wseventing.RefTarget])
	fmt.Println(in.Class, in.Get("MessageID"), in.All("MessageArguments"))
	// Output:
	// true pc-17
	// CIM_AlertIndication PLAT0001 [CPU Fan 300]
}
