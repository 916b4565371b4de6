package wmi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/wmi"
	"github.com/oobkit/oobkit/wmi/wmitest"
)

// TestManagePrinters implements the guide's Table A-1 "Management
// Operations" row "WMI Manage Printers": list the printers, pause and
// resume a queue, list and cancel its jobs.
func TestManagePrinters(t *testing.T) {
	pc := newComputer(t, false)
	c := ntlmClient(t, pc)

	printers, err := c.Printers(ctx(t))
	require.NoError(t, err)
	require.Len(t, printers, 2)
	hp := printers[0]
	assert.Equal(t, wmi.Printer{Name: "HP LaserJet M507 (Floor 2)", DriverName: "HP Universal Printing PCL 6", PortName: "IP_192.0.2.50",
		Location: "Floor 2, copy room", Shared: true, ShareName: "HP", Default: true, Status: 3}, hp)
	assert.Equal(t, "Microsoft Print to PDF", printers[1].Name)

	// Pause: "No jobs can print until the queue is resumed."
	require.NoError(t, c.PausePrinter(ctx(t), hp.Name))
	paused, _ := pc.PrinterPaused(hp.Name)
	assert.True(t, paused)
	printers, err = c.Printers(ctx(t))
	require.NoError(t, err)
	assert.True(t, printers[0].Paused)
	assert.Equal(t, uint64(8), printers[0].Status, "ExtendedPrinterStatus 8: Paused")
	require.NoError(t, c.ResumePrinter(ctx(t), hp.Name))
	paused, _ = pc.PrinterPaused(hp.Name)
	assert.False(t, paused)

	err = c.PausePrinter(ctx(t), "No Such Printer")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)

	// Jobs: every queue, then one printer's.
	pc.AddPrintJob(wmitest.PrintJob{ID: 20, Printer: "Microsoft Print to PDF", Document: "Invoice.pdf", Owner: "helpdesk", TotalPages: 1, Bytes: 1000})
	jobs, err := c.PrintJobs(ctx(t), "")
	require.NoError(t, err)
	require.Len(t, jobs, 3)
	assert.Equal(t, "HP LaserJet M507 (Floor 2), 12", jobs[0].Name)
	assert.Equal(t, uint32(12), jobs[0].ID)
	assert.Equal(t, "Quarterly report.docx", jobs[0].Document)
	assert.Equal(t, "alice", jobs[0].Owner)
	assert.Equal(t, uint64(14), jobs[0].TotalPages)
	assert.Equal(t, "2026-12-04T09:15:00Z", jobs[0].Submitted.UTC().Format("2006-01-02T15:04:05Z07:00"))
	jobs, err = c.PrintJobs(ctx(t), hp.Name)
	require.NoError(t, err)
	assert.Len(t, jobs, 2, "only the HP queue's jobs")

	// Cancel: the job's instance is deleted.
	require.NoError(t, c.CancelPrintJob(ctx(t), hp.Name, 12))
	left := pc.PrintJobs()
	require.Len(t, left, 2)
	assert.Equal(t, uint32(13), left[0].ID)
	err = c.CancelPrintJob(ctx(t), hp.Name, 12)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, "a job that is gone")
	err = c.CancelPrintJob(ctx(t), "Microsoft Print to PDF", 13)
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument, "job 13 is the HP queue's")
}
