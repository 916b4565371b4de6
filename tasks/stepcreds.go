package tasks

import (
	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/profile"
)

// taskFor returns the task-specified profile for protocol p: the running
// step's when it covers p ([Step].Credentials), else the job's.
func (s *Session) taskFor(p oobkit.Protocol) *profile.Profile {
	if s.stepTask != nil {
		if st, ok := s.stepTask.Settings(p); ok && st.Enabled {
			return s.stepTask
		}
	}
	return s.task
}

// withStepCredentials makes step the task-specified credentials of the
// protocols it covers until the returned function is called. Connections of
// those protocols are closed on the way in (they may have been opened with
// the job's credential) and on the way out (they were opened with the
// step's), so each step presents the credentials it names.
func (s *Session) withStepCredentials(step *profile.Profile) (restore func()) {
	if step == nil {
		return func() {}
	}
	closeCovered := func() {
		for _, p := range step.Enabled() {
			if sc := s.clients[p]; sc != nil {
				_ = sc.client.Close()
				delete(s.clients, p)
			}
		}
	}
	closeCovered()
	s.stepTask = step
	return func() {
		s.stepTask = nil
		closeCovered()
	}
}
