{{- define "vigil.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vigil.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "vigil.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "vigil.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "vigil.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "vigil.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* PostgreSQL mode: a database URL Secret is named. */}}
{{- define "vigil.postgres" -}}
{{- if .Values.database.secret.name }}true{{ end -}}
{{- end -}}

{{/* SQLite mode's volume: the PVC's name, or empty for an emptyDir. */}}
{{- define "vigil.claim" -}}
{{- if and (not (include "vigil.postgres" .)) .Values.persistence.enabled -}}
{{- default (printf "%s-data" (include "vigil.fullname" .)) .Values.persistence.existingClaim -}}
{{- end -}}
{{- end -}}

{{/* The ConfigMap's files, also hashed into the pods' annotation. */}}
{{- define "vigil.files" -}}
{{- if .Values.config }}
config.yml: |
{{ toYaml .Values.config | indent 2 }}
{{- end }}
{{- if .Values.policy }}
sla.yml: |
{{ .Values.policy | indent 2 }}
{{- end }}
{{- if .Values.inventory.config }}
inventory.yml: |
{{ .Values.inventory.config | indent 2 }}
{{- end }}
{{- end -}}

{{/* Environment variables from Secret references: a list of (name, {name, key}); an empty Secret name sets nothing. */}}
{{- define "vigil.secretEnv" -}}
{{- range $pair := . }}
{{- $ref := index $pair 1 }}
{{- if $ref.name }}
- name: {{ index $pair 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.name }}
      key: {{ required (printf "%s: the Secret %s needs a key" (index $pair 0) $ref.name) $ref.key }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Settings that cannot work stop the install with a message. */}}
{{- define "vigil.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (not (include "vigil.postgres" .)) -}}
{{- fail (printf "replicas: %d needs database.secret.name (a Secret with a postgres:// URL): the SQLite ledger is one process's file, so without a database the bot runs as replicas: 1" (int .Values.replicas)) -}}
{{- end -}}
{{- if lt (int .Values.replicas) 0 -}}
{{- fail "replicas must not be negative" -}}
{{- end -}}
{{- if not .Values.secrets.gitlabToken.name -}}
{{- fail "secrets.gitlabToken.name: name the Secret holding the bot's GitLab token (VIGIL_GITLAB_TOKEN)" -}}
{{- end -}}
{{- if not .Values.secrets.markerKey.name -}}
{{- fail "secrets.markerKey.name: name the Secret holding the marker key (VIGIL_MARKER_KEY, 16+ random characters)" -}}
{{- end -}}
{{- if not (or .Values.secrets.webhookSecret.name .Values.secrets.scopedWebhookSecrets.name) -}}
{{- fail "secrets.webhookSecret.name or secrets.scopedWebhookSecrets.name: name the Secret holding the GitLab webhook's secret token" -}}
{{- end -}}
{{- if not .Values.gitlab.url -}}
{{- fail "gitlab.url: set the GitLab instance's base URL" -}}
{{- end -}}
{{- end -}}
