package jetstream

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
)

// Defaults of the names a dispatcher and its workers share.
const (
	// DefaultStream is the work-queue stream holding work items.
	DefaultStream = "OOBKIT_WORK"
	// DefaultSubjectPrefix starts every work item's subject:
	// <prefix>.<site>.<jobID>.
	DefaultSubjectPrefix = "oobkit.work"
	// DefaultBucket is the key-value bucket holding results, one key
	// <jobID>.<targetIndex> per target.
	DefaultBucket = "oobkit_results"
	// DefaultSite is the site of targets without a site label, and of
	// workers given none.
	DefaultSite = "default"
	// DefaultSiteLabel is the target label naming its site.
	DefaultSiteLabel = "site"
)

// Names says which stream, subjects and bucket a dispatcher and its workers
// share. Both sides must use the same Names; the zero value means the
// defaults above.
type Names struct {
	// Stream is the work-queue stream (default [DefaultStream]).
	Stream string
	// SubjectPrefix starts work subjects (default [DefaultSubjectPrefix]).
	// The stream takes <prefix>.>, so nothing else may publish under it.
	SubjectPrefix string
	// Bucket is the results bucket (default [DefaultBucket]).
	Bucket string
}

func (n Names) withDefaults() Names {
	if n.Stream == "" {
		n.Stream = DefaultStream
	}
	if n.SubjectPrefix == "" {
		n.SubjectPrefix = DefaultSubjectPrefix
	}
	if n.Bucket == "" {
		n.Bucket = DefaultBucket
	}
	return n
}

// workSubject is where the work items of a job for one site go.
func (n Names) workSubject(site, jobID string) string {
	return n.SubjectPrefix + "." + site + "." + jobID
}

// siteFilter is the consumer filter of one site's workers.
func (n Names) siteFilter(site string) string { return n.SubjectPrefix + "." + site + ".>" }

// jobFilter matches a job's work items of every site (for purging).
func (n Names) jobFilter(jobID string) string { return n.SubjectPrefix + ".*." + jobID }

// startedSubject is the core NATS subject (outside the stream) on which
// workers announce that they started a target of a job.
func (n Names) startedSubject(jobID string) string {
	return n.SubjectPrefix + "-started." + jobID
}

// runningSubject is the core NATS subject on which the worker running one
// item answers while it runs it, so a worker handed that item again (a
// redelivery) leaves it to that run.
func (n Names) runningSubject(jobID string, index int) string {
	return n.SubjectPrefix + "-running." + jobID + "." + strconv.Itoa(index)
}

// endedSubject is the core NATS subject on which a dispatcher says that a
// job ended before every result arrived (canceled or past its deadline).
func (n Names) endedSubject(jobID string) string { return n.SubjectPrefix + "-ended." + jobID }

// consumerName is the durable consumer shared by one site's workers.
func (n Names) consumerName(site string) string { return "oobkit-worker-" + site }

// kvStream and kvSubject follow the layout of a NATS key-value bucket
// (NATS ADR-8: stream KV_<bucket>, subjects $KV.<bucket>.<key>), used to
// purge a finished job's keys in one request.
func (n Names) kvStream() string { return "KV_" + n.Bucket }

func (n Names) kvJobSubject(jobID string) string { return "$KV." + n.Bucket + "." + jobID + ".>" }

// resultKey is the key of one target's result.
func resultKey(jobID string, index int) string { return jobID + "." + strconv.Itoa(index) }

// parseResultKey returns the target index of a result key of job jobID.
func parseResultKey(jobID, key string) (int, bool) {
	rest, ok := strings.CutPrefix(key, jobID+".")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil && i >= 0
}

// validToken reports whether s can be one token of a NATS subject and part
// of a consumer name: letters, digits, '-' and '_' only.
func validToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

func checkSite(site string) error {
	if !validToken(site) {
		return &oobkit.Error{Op: "jetstream site", Class: oobkit.ErrInvalidArgument,
			Message: fmt.Sprintf("site %q: use 1-64 letters, digits, '-' or '_'", site)}
	}
	return nil
}
