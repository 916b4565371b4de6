package main

import (
	"errors"

	"github.com/oobkit/oobkit"
)

func isAuth(err error) bool { return errors.Is(err, oobkit.ErrAuth) }
