package simfleet

import (
	"strconv"
	"strings"
)

// legacyRedirectionLogin reports whether the modelled firmware fw offers
// the user/password login (AuthenticateSession type 1, user and password
// in clear) on its redirection port beside digest (type 4), as the
// redirection simulator models firmware before AMT 12 (redirecttest
// Config.Legacy). Debian's amtterm 1.4 logs in with type 1 only, so it
// reaches the fleet's AMT 8 and 11 devices and is refused by AMT 12 and
// later, which offer digest only.
func legacyRedirectionLogin(fw string) bool {
	major, err := strconv.Atoi(strings.SplitN(fw, ".", 2)[0])
	return err == nil && major < 12
}
