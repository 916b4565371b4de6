// Package dash manages computers that implement DMTF DASH (Desktop and
// mobile Architecture for System Hardware, DSP0232) over WS-Management on
// port 623 (http) or 664 (https).
//
// A [Client] covers the DASH profiles a remote-management product needs:
//
//   - discovery: [Client.Identify] and the registered profiles
//     ([Client.Profiles], [Client.HasProfile]; CIM_RegisteredProfile,
//     DSP1033), so callers know what the computer supports;
//   - Power State Management (DSP1027): [Client.PowerState],
//     [Client.PowerStatus], [Client.SetPower] (oobkit.PowerController: the
//     DASH gate, the computer's AvailableRequestedPowerStates, is checked
//     ([PowerStatus.Allows], [Client.CheckPower]), then the DMTF state is
//     chosen among those the computer offers; DMTF values map to their rows
//     of Table C-3 per DSP1027) and [Client.RequestPowerState];
//   - Boot Control (DSP1012): [Client.BootSources], [Client.SetBootSource]
//     and [Client.SetNextBoot] (ChangeBootOrder then SetBootConfigRole, one
//     time or persistent; a redirected remote image where offered);
//   - BIOS Management (DSP1061): [Client.BIOSAttributes],
//     [Client.SetBIOSAttribute] and [Client.SetBIOSAttributes], with the BIOS
//     administrator password and a restart-required report;
//   - inventory into oobkit.Inventory ([Client.Inventory]);
//   - alerts (Indications, DSP1054): [Client.IndicationFilters],
//     [Client.Subscriptions], [Client.Subscribe], [Client.Unsubscribe] and
//     [Client.ApplyAlerts] (oobkit.AlertConfigurer) with Push or PushWithAck
//     delivery. Events arrive at a [wseventing.Listener], the
//     WS-Eventing sink AMT devices push to as well.
//
// To start, build a client from a target and a credential (digest
// authentication by default; set cred.TLS.Enabled for port 664) and ask the
// computer what it supports before using a feature:
//
//	c, err := dash.New(oobkit.Target{Address: "10.0.0.42"}, oobkit.UserPassword("admin", pw))
//	if err != nil { … }
//	defer c.Close()
//	ok, err := c.HasProfile(ctx, dash.ProfileBIOSManagement)
//	state, err := c.PowerState(ctx)
//	err = c.SetPower(ctx, oobkit.ActionOn)
//
// Package dashtest starts a simulated computer to try this against (see the
// examples).
//
// Method return values become errors of the oobkit classes with the value as
// DeviceCode; a feature whose profile the computer does not register is
// oobkit.ErrUnsupported.
package dash
