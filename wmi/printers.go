package wmi

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Printer is a print queue of the computer (Win32_Printer,
// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-printer).
type Printer struct {
	// Name is the queue's name, also its key (DeviceID).
	Name       string
	DriverName string
	PortName   string
	Location   string
	Shared     bool
	ShareName  string
	Default    bool
	// Paused reports ExtendedPrinterStatus 8 ("Paused"): no job prints
	// until the queue is resumed.
	Paused bool
	// Offline is WorkOffline.
	Offline bool
	// Status is ExtendedPrinterStatus (3 Idle, 4 Printing, 7 Offline, 8
	// Paused, 9 Error, …).
	Status uint64
}

// PrintJob is a job waiting in a print queue (Win32_PrintJob,
// https://learn.microsoft.com/windows/win32/cimwin32prov/win32-printjob).
type PrintJob struct {
	// Name is the job's key: "printer, job ID".
	Name       string
	ID         uint32
	Document   string
	Owner      string
	TotalPages uint64
	Size       uint64
	Status     string
	Submitted  time.Time
}

// Printers lists the computer's print queues (guide Table A-1, "Manage
// Printers").
func (c *Client) Printers(ctx context.Context) ([]Printer, error) {
	items, err := c.enumerate(ctx, "Win32_Printer")
	if err != nil {
		return nil, err
	}
	out := make([]Printer, 0, len(items))
	for _, p := range items {
		out = append(out, decodePrinter(p))
	}
	return out, nil
}

// decodePrinter reads a Win32_Printer instance.
func decodePrinter(p *wsman.Instance) Printer {
	return Printer{Name: text(p, "DeviceID"), DriverName: text(p, "DriverName"), PortName: text(p, "PortName"),
		Location: text(p, "Location"), Shared: p.Bool("Shared"), ShareName: text(p, "ShareName"), Default: p.Bool("Default"),
		Paused: uintProp(p, "ExtendedPrinterStatus") == 8, Offline: p.Bool("WorkOffline"), Status: uintProp(p, "ExtendedPrinterStatus")}
}

// decodePrintJob reads a Win32_PrintJob instance.
func decodePrintJob(j *wsman.Instance) PrintJob {
	return PrintJob{Name: text(j, "Name"), ID: uint32(uintProp(j, "JobId")), Document: text(j, "Document"),
		Owner: text(j, "Owner"), TotalPages: uintProp(j, "TotalPages"), Size: uintProp(j, "Size"), Status: text(j, "Status"),
		Submitted: timeProp(j, "TimeSubmitted")}
}

// PausePrinter pauses a print queue (Win32_Printer.Pause): "No jobs can
// print until the queue is resumed"
// (https://learn.microsoft.com/windows/win32/cimwin32prov/pause-method-in-class-win32-printer).
func (c *Client) PausePrinter(ctx context.Context, name string) error {
	return c.printerMethod(ctx, "Pause", name)
}

// ResumePrinter resumes a paused print queue (Win32_Printer.Resume).
func (c *Client) ResumePrinter(ctx context.Context, name string) error {
	return c.printerMethod(ctx, "Resume", name)
}

func (c *Client) printerMethod(ctx context.Context, method, name string) error {
	_, rv, err := c.invoke(ctx, "Win32_Printer", method, wsman.Sel("DeviceID", name), nil)
	if err != nil {
		if isNotFound(err) {
			return &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: oobkit.ErrInvalidArgument, Message: "no printer " + name, Err: err}
		}
		return err
	}
	switch rv {
	case 0:
		return nil
	case 5:
		return &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: oobkit.ErrAuth, DeviceCode: "5", Message: "access denied to printer " + name}
	}
	return &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: oobkit.ErrDevice, DeviceCode: strconv.FormatInt(rv, 10),
		Message: fmt.Sprintf("%s of printer %s returned %d", method, name, rv)}
}

// PrintJobs lists the jobs of every queue, or of one printer when printer
// is not empty.
func (c *Client) PrintJobs(ctx context.Context, printer string) ([]PrintJob, error) {
	var items []*wsman.Instance
	var err error
	if printer == "" {
		items, err = c.enumerate(ctx, "Win32_PrintJob")
	} else {
		// Win32_PrintJob.Name is "printer, id".
		items, err = c.query(ctx, "SELECT * FROM Win32_PrintJob WHERE Name LIKE "+quoteWQL(likeEscape(printer)+", %"), 0)
	}
	if err != nil {
		return nil, err
	}
	out := make([]PrintJob, 0, len(items))
	for _, j := range items {
		out = append(out, decodePrintJob(j))
	}
	return out, nil
}

// likeEscape escapes WQL LIKE's wildcards in s (% _ [ are bracketed).
func likeEscape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%', '_', '[':
			out = append(out, '[', s[i], ']')
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}

// CancelPrintJob cancels a print job by deleting its Win32_PrintJob
// instance (WS-Transfer Delete, which WMI carries out as DeleteInstance:
// the spooler cancels the job). A job that is gone already is
// oobkit.ErrInvalidArgument.
func (c *Client) CancelPrintJob(ctx context.Context, printer string, id uint32) error {
	name := printer + ", " + strconv.FormatUint(uint64(id), 10)
	err := c.ws.Delete(ctx, uri("Win32_PrintJob"), wsman.Sel("Name", name))
	if err != nil {
		err = explain(err)
		if isNotFound(err) {
			return &oobkit.Error{Protocol: oobkit.WMI, Op: "CancelPrintJob", Class: oobkit.ErrInvalidArgument, Message: "no print job " + name, Err: err}
		}
		return err
	}
	return nil
}
