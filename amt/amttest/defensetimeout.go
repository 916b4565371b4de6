package amttest

// The System Defense policy timeout (AMT_SystemDefensePolicy.SetTimeout):
// the device keeps a policy with a timeout only that long. The simulator
// has no timer; a test ends the timeouts when it wants them to have
// elapsed, so nothing depends on the wall clock.

// PolicyTimeouts returns the timeout in seconds (0: none) of each policy
// active on an interface, keyed by the policy's PolicyName.
func (d *Device) PolicyTimeouts() map[string]int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int64{}
	for _, pid := range d.defense.links {
		if p := d.defense.policies[pid]; p != nil {
			out[p.props["PolicyName"]] = p.timeout
		}
	}
	return out
}

// ElapsePolicyTimeouts makes every policy timeout elapse: each interface
// whose active policy has a timeout loses it, as the firmware lifts such a
// policy when its time is up. It returns how many interfaces were freed.
func (d *Device) ElapsePolicyTimeouts() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for iface, pid := range d.defense.links {
		if p := d.defense.policies[pid]; p != nil && p.timeout > 0 {
			delete(d.defense.links, iface)
			n++
		}
	}
	return n
}
