package ipmi_test

import (
	"fmt"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func itoa(i int) string { return strconv.Itoa(i) }

// hex turns a decimal SEL record ID into ipmitool's hex form.
func hex(id string) string {
	n, err := strconv.Atoi(id)
	if err != nil {
		return id
	}
	return fmt.Sprintf("%x", n)
}
