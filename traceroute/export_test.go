package traceroute

// SetOpenSocket replaces the socket opener for a test.
func SetOpenSocket(f func(Method) (int, error)) (restore func()) {
	old := openSocket
	openSocket = f
	return func() { openSocket = old }
}
