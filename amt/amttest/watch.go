package amttest

// Changed returns a channel closed at the device's next power or boot
// change, for tests and other simulators' screens that follow the device
// (redirecttest.Screen.Follow) without polling.
func (d *Device) Changed() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.changed
}
