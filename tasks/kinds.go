package tasks

import "github.com/oobkit/oobkit/traceroute"

// The built-in kinds, each with the type of its steps' output.
func init() {
	RegisterKind("power", func() Task { return &PowerTask{} })
	RegisterOutput("power", func() any { return &PowerOutput{} })
	RegisterKind("powerstate", func() Task { return &PowerStateTask{} })
	RegisterOutput("powerstate", func() any { return &PowerStateOutput{} })
	RegisterKind("boot", func() Task { return &BootTask{} })
	RegisterOutput("boot", func() any { return &BootOutput{} })
	RegisterKind("inventory", func() Task { return &InventoryTask{} })
	RegisterOutput("inventory", func() any { return &InventoryOutput{} })
	RegisterKind("discover", func() Task { return &DiscoverTask{} })
	RegisterOutput("discover", func() any { return &DiscoverOutput{} })
	RegisterKind("portcheck", func() Task { return &PortCheckTask{} })
	RegisterOutput("portcheck", func() any { return &PortCheckOutput{} })
	RegisterKind("traceroute", func() Task { return &TraceRouteTask{} })
	RegisterOutput("traceroute", func() any { return &traceroute.Result{} })
	RegisterKind("eventlog", func() Task { return &EventLogTask{} })
	RegisterOutput("eventlog", func() any { return &EventLogOutput{} })
	RegisterKind("alerts", func() Task { return &AlertSettingsTask{} })
	RegisterOutput("alerts", func() any { return &AlertSettingsOutput{} })
	RegisterKind("filter", func() Task { return &NetworkFilterTask{} })
	RegisterOutput("filter", func() any { return &NetworkFilterOutput{} })
	RegisterKind("ider", func() Task { return &IDERBootTask{} })
	RegisterOutput("ider", func() any { return &IDERBootOutput{} })
	RegisterKind("sol", func() Task { return &SOLTask{} })
	RegisterOutput("sol", func() any { return &SOLOutput{} })
	RegisterKind("bios", func() Task { return &BIOSTask{} })
	RegisterOutput("bios", func() any { return &BIOSOutput{} })
	RegisterKind("password", func() Task { return &LocalPasswordTask{} })
	RegisterOutput("password", func() any { return &LocalPasswordOutput{} })
	RegisterKind("process", func() Task { return &ProcessTask{} })
	RegisterOutput("process", func() any { return &ProcessOutput{} })
	RegisterKind("service", func() Task { return &ServiceTask{} })
	RegisterOutput("service", func() any { return &ServiceOutput{} })
}
