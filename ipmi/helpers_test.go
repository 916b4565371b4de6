package ipmi_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
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

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// looseWords lowers s and turns every run of punctuation and spaces into one
// space, so wordings that differ only in case and punctuation compare equal.
func looseWords(s string) string {
	return " " + strings.Trim(nonWord.ReplaceAllString(strings.ToLower(s), " "), " ") + " "
}
