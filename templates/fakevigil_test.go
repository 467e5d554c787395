package templates_test

// fakeVigil stands in for the vigil binary inside jobs: it records its
// arguments and the variables the job's rules set, checks the files it is
// pointed at exist, writes what `vigil scan` and `vigil db build` write, then
// exits with $FAKE_VIGIL_EXIT (the gate's exit code).
const fakeVigil = `#!/bin/sh
printf '%s\n' "$@" > vigil-args.txt
printf 'GIT_STRATEGY=%s\nVIGIL_IMAGE_TAG=%s\n' "$GIT_STRATEGY" "$VIGIL_IMAGE_TAG" > vigil-env.txt
case "$1" in
scan)
  prev=
  for a in "$@"; do
    if [ "$prev" = --db ] && [ -f "$a/vulnerability.db" ]; then cp "$a/vulnerability.db" vigil-db-seen.txt; fi
    if [ "$prev" = --sbom-format ]; then case ",$a," in *,spdx,*) echo '{"spdxVersion":"SPDX-2.3"}' > vigil-sbom-app.spdx.json ;; esac; fi
    prev=$a
  done
  echo '{"schema":"vigil.findings/v1"}' > vigil-findings.json
  echo '{"version":"15.2.1","vulnerabilities":[]}' > gl-container-scanning-report.json
  echo '{"bomFormat":"CycloneDX"}' > gl-sbom-app.cdx.json
  echo '# vigil scan' > vigil-summary.md
  ;;
db)
  prev=
  out=
  for a in "$@"; do
    case "$prev" in
      --out) out=$a ;;
      --db) test -f "$a/vulnerability.db" || exit 2 ;;
      --osv) ls "$a"/*.json > /dev/null || exit 2 ;;
      --kev|--epss) test -s "$a" || exit 2 ;;
    esac
    prev=$a
  done
  case "$2" in build|mirror) mkdir -p "$out" && printf '%s\n' "$@" > "$out/vulnerability.db" ;; esac
  ;;
patch)
  prev=
  for a in "$@"; do
    if [ "$prev" = --findings ]; then cp "$a" vigil-patch-input.json || exit 2; fi
    prev=$a
  done
  ;;
esac
exit "${FAKE_VIGIL_EXIT:-0}"
`
