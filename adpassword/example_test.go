package adpassword_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/adpassword"
)

// A reset over plain LDAP is refused before anything is dialed: the
// password never leaves the process.
func ExampleReset() {
	cfg := adpassword.Config{Server: "ldap://dc1.example.com"} // no StartTLS: plain text
	err := adpassword.Reset(context.Background(), cfg, oobkit.UserPassword(`EXAMPLE\Administrator`, "admin-pw"),
		"alice", oobkit.NewSecret("N3w-Passw0rd!"))
	fmt.Println(string(adpassword.ReasonOf(err)), errors.Is(err, oobkit.ErrInvalidArgument))
	// Output: plaintext-refused true
}

// What a directory says maps to a reason: Samba names the rule that failed,
// Windows only the code 0000052D.
func ExampleClassify() {
	for _, msg := range []string{
		"0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!",
		"0000052D: Constraint violation - check_password_restrictions: password is too young to change!",
		"0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)",
		"00000056: Constraint violation - The old password specified doesn't match!",
	} {
		fmt.Println(string(adpassword.Classify(19, msg)))
	}
	fmt.Println(string(adpassword.Classify(49, "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563")))
	// Output:
	// history
	// min-age
	// policy
	// wrong-old-password
	// bad-credentials
}
