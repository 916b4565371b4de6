package ipmievent_test

import (
	"fmt"

	"github.com/oobkit/oobkit/ipmievent"
)

func ExampleEvent() {
	// Event data of a SEL record or a PET: a temperature sensor crossed its
	// upper critical threshold (reading 96, threshold 85, both raw).
	e := ipmievent.Event{SensorType: 0x01, SensorNumber: 1, EventType: 0x01, Offset: 9, Data: [3]byte{0x59, 0x60, 0x55}}
	fmt.Println(e.Description())
	fmt.Println(e.Severity(), e.EventClass(), e.Code())
	reading, _, threshold, _ := e.ThresholdData()
	fmt.Println(reading, threshold)
	// Output:
	// Temperature Sensor #1: Upper Critical - going high (Assertion)
	// critical threshold 010109
	// 96 85
}
