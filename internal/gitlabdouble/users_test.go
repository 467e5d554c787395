package gitlabdouble

import (
	"net/http"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestUsersAndMembers(t *testing.T) {
	f := newFixture(t, nil)
	alice, _ := f.srv.AddUser("alice", NoAccess)
	f.srv.AddUser("admin", Owner)
	_, tok := f.srv.AddUser("dev", NoAccess)
	f.srv.Grant(tok, "acme/app", Developer)

	me, _, err := f.client.Users.CurrentUser()
	if err != nil || me.Username != "vigil-bot" {
		t.Fatalf("current user: %v %+v", err, me)
	}
	us, _, err := f.client.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr("alice")})
	if err != nil || len(us) != 1 || us[0].ID != int64(alice.ID) {
		t.Fatalf("users by username: %v %+v", err, us)
	}
	if _, resp, _ := f.client.Users.GetUser(999, gitlab.GetUsersOptions{}); statusOf(resp) != http.StatusNotFound {
		t.Errorf("missing user status %d", statusOf(resp))
	}
	direct, _, err := f.client.ProjectMembers.ListProjectMembers(f.project.ID, nil)
	if err != nil || len(direct) != 2 {
		t.Fatalf("direct members: %v %d", err, len(direct))
	}
	all, _, err := f.client.ProjectMembers.ListAllProjectMembers(f.project.ID, nil)
	if err != nil || len(all) != 3 || all[2].Username != "dev" || all[2].AccessLevel != gitlab.DeveloperPermissions {
		t.Fatalf("all members: %v %+v", err, all)
	}
	one, _, err := f.client.ProjectMembers.GetInheritedProjectMember(f.project.ID, all[2].ID)
	if err != nil || one.Username != "dev" || one.AccessLevel != gitlab.DeveloperPermissions {
		t.Fatalf("one member (inherited): %v %+v", err, one)
	}
	if _, resp, _ := f.client.ProjectMembers.GetInheritedProjectMember(f.project.ID, 999); statusOf(resp) != http.StatusNotFound {
		t.Errorf("non-member status %d", statusOf(resp))
	}
}
