package bot

import (
	"encoding/json"
	"fmt"
)

// The fields of GitLab's webhook payloads the bot reads. Decoding only these
// keeps the bot independent of timestamp formats and fields it ignores.

type hookUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

type hookProject struct {
	ID                int64  `json:"id"`
	PathWithNamespace string `json:"path_with_namespace"`
	DefaultBranch     string `json:"default_branch"`
}

type jobHook struct {
	BuildID     int64       `json:"build_id"`
	BuildName   string      `json:"build_name"`
	BuildStatus string      `json:"build_status"`
	Ref         string      `json:"ref"` // branch or tag name
	PipelineID  int64       `json:"pipeline_id"`
	ProjectID   int64       `json:"project_id"`
	Project     hookProject `json:"project"`
}

type pipelineHook struct {
	ObjectAttributes struct {
		ID     int64  `json:"id"`
		Ref    string `json:"ref"`    // branch or tag name
		Source string `json:"source"` // "merge_request_event" for merge request pipelines
		Status string `json:"status"`
	} `json:"object_attributes"`
	MergeRequest *struct {
		IID int64 `json:"iid"`
	} `json:"merge_request"`
	Project hookProject `json:"project"`
	Builds  []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"builds"`
}

type issueHook struct {
	User             hookUser    `json:"user"`
	Project          hookProject `json:"project"`
	ObjectAttributes struct {
		IID          int64  `json:"iid"`
		Action       string `json:"action"`
		State        string `json:"state"`
		Confidential *bool  `json:"confidential"`
	} `json:"object_attributes"`
}

// noteHook is only where a note is: its author and body are read back
// through the API, never taken from the payload.
type noteHook struct {
	ProjectID        int64       `json:"project_id"`
	Project          hookProject `json:"project"`
	ObjectAttributes struct {
		ID           int64  `json:"id"`
		NoteableType string `json:"noteable_type"`
	} `json:"object_attributes"`
	Issue *struct {
		IID int64 `json:"iid"`
	} `json:"issue"`
}

func decode(event string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s payload: %w", event, err)
	}
	return nil
}
