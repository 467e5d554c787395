package bot

import "path"

// refTracked reports whether a pipeline on ref may open, update, close or
// reopen issues: the default branch always does, other branches and tags
// only when they match a --track-ref pattern. Other refs change nothing; a
// merge request pipeline gets its own note instead.
func (s *Service) refTracked(ref, defaultBranch string) bool {
	if ref == "" {
		return false
	}
	if ref == defaultBranch {
		return true
	}
	for _, p := range s.cfg.TrackRefs {
		if ok, _ := path.Match(p, ref); ok {
			return true
		}
	}
	return false
}
