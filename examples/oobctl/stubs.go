package main

import "context"

func (a *app) cmdSOL(ctx context.Context, args []string) error     { return usagef("todo") }
func (a *app) cmdIDER(ctx context.Context, args []string) error    { return usagef("todo") }
func (a *app) cmdFilter(ctx context.Context, args []string) error  { return usagef("todo") }
func (a *app) cmdProfile(ctx context.Context, args []string) error { return usagef("todo") }
func (a *app) cmdAlerts(ctx context.Context, args []string) error  { return usagef("todo") }
