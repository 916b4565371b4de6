package tasks

import (
	"errors"
	"fmt"

	"github.com/oobkit/oobkit"
)

// invalidArgument marks err as the caller's mistake, after what ("policy
// file"; "" for nothing), and says the class once: an err that already
// carries [oobkit.ErrInvalidArgument] (a nested job field, a filter or image
// error) is not prefixed with it again.
func invalidArgument(what string, err error) error {
	switch {
	case errors.Is(err, oobkit.ErrInvalidArgument) && what == "":
		return err
	case errors.Is(err, oobkit.ErrInvalidArgument):
		return fmt.Errorf("%s: %w", what, err)
	case what == "":
		return fmt.Errorf("%w: %w", oobkit.ErrInvalidArgument, err)
	}
	return fmt.Errorf("%w: %s: %w", oobkit.ErrInvalidArgument, what, err)
}
