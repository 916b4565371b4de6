package tasks

func init() {
	RegisterKind("power", func() Task { return &PowerTask{} })
	RegisterKind("powerstate", func() Task { return &PowerStateTask{} })
	RegisterKind("boot", func() Task { return &BootTask{} })
	RegisterKind("inventory", func() Task { return &InventoryTask{} })
	RegisterKind("discover", func() Task { return &DiscoverTask{} })
	RegisterKind("portcheck", func() Task { return &PortCheckTask{} })
	RegisterKind("traceroute", func() Task { return &TraceRouteTask{} })
	RegisterKind("eventlog", func() Task { return &EventLogTask{} })
	RegisterKind("alerts", func() Task { return &AlertSettingsTask{} })
	RegisterKind("filter", func() Task { return &NetworkFilterTask{} })
	RegisterKind("ider", func() Task { return &IDERBootTask{} })
	RegisterKind("sol", func() Task { return &SOLTask{} })
	RegisterKind("bios", func() Task { return &BIOSTask{} })
	RegisterKind("password", func() Task { return &LocalPasswordTask{} })
	RegisterKind("process", func() Task { return &ProcessTask{} })
	RegisterKind("service", func() Task { return &ServiceTask{} })
}
