package gitlabdouble

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPerPage = 20
	maxPerPage     = 100
)

// paginate returns the requested page of items and sets GitLab's offset
// pagination headers: X-Page, X-Per-Page, X-Next-Page, X-Prev-Page, X-Total,
// X-Total-Pages and Link. per_page is capped at 100 and bad values fall back
// to the defaults, as GitLab does.
func paginate[T any](r *request, items []T) []T {
	page := positive(r.params.get("page"), 1)
	perPage := min(positive(r.params.get("per_page"), defaultPerPage), maxPerPage)
	total := len(items)
	pages := max((total+perPage-1)/perPage, 1)

	h := r.w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	if page < pages {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
	}
	if page > 1 && page <= pages+1 {
		h.Set("X-Prev-Page", strconv.Itoa(min(page-1, pages)))
	}

	var links []string
	link := func(p int, rel string) {
		links = append(links, fmt.Sprintf("<%s>; rel=%q", r.pageURL(p, perPage), rel))
	}
	if h.Get("X-Prev-Page") != "" {
		link(page-1, "prev")
	}
	if h.Get("X-Next-Page") != "" {
		link(page+1, "next")
	}
	link(1, "first")
	link(pages, "last")
	h.Set("Link", strings.Join(links, ", "))

	start := (page - 1) * perPage
	if start >= total {
		return []T{}
	}
	return items[start:min(start+perPage, total)]
}

// pageURL is the request's own URL with page and per_page replaced.
func (r *request) pageURL(page, perPage int) string {
	q := url.Values{}
	for k, v := range r.r.URL.Query() {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(page))
	q.Set("per_page", strconv.Itoa(perPage))
	return r.s.baseURL + r.r.URL.EscapedPath() + "?" + q.Encode()
}

func positive(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return def
	}
	return n
}

// sortListed orders a list as GitLab's order_by (created_at, the default, or
// updated_at) and sort (desc, the default, or asc) ask, ties by id; times
// gives an item's creation and update times and its id.
func sortListed[T any](q params, items []T, times func(T) (created, updated time.Time, id int)) {
	desc := q.get("sort") != "asc"
	byUpdated := q.get("order_by") == "updated_at"
	slices.SortStableFunc(items, func(a, b T) int {
		ca, ua, ia := times(a)
		cb, ub, ib := times(b)
		c := ca.Compare(cb)
		if byUpdated {
			c = ua.Compare(ub)
		}
		if c == 0 {
			c = ia - ib
		}
		if desc {
			return -c
		}
		return c
	})
}
