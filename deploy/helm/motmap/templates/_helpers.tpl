{{/*
Names, labels and the pieces every pod of the chart shares (web, worker, beat, migrations).
*/}}

{{- define "motmap.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* "<release>-motmap", or the release's name alone when it already holds the chart's. */}}
{{- define "motmap.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "motmap.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "motmap.labels" -}}
helm.sh/chart: {{ include "motmap.chart" . }}
app.kubernetes.io/name: {{ include "motmap.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: motmap
{{- end -}}

{{/* The labels that pick one component's pods: (dict "root" $ "component" "web"). */}}
{{- define "motmap.selectorLabels" -}}
app.kubernetes.io/name: {{ include "motmap.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component's objects: (dict "root" $ "component" "web"). */}}
{{- define "motmap.componentLabels" -}}
{{ include "motmap.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "motmap.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret the pods read: the operator's (secrets.existingSecret) or the chart's. */}}
{{- define "motmap.secretName" -}}
{{- default (printf "%s-secrets" (include "motmap.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Keys every Secret must hold, and the optional ones, with the values that set them. */}}
{{- define "motmap.requiredSecretValues" -}}
SECRET_KEY: secretKey
DATABASE_URL: databaseUrl
CELERY_BROKER_URL: celeryBrokerUrl
CACHE_URL: cacheUrl
EMAIL_URL: emailUrl
{{- end -}}
{{- define "motmap.optionalSecretValues" -}}
SENTRY_DSN: sentryDsn
SECRET_KEY_FALLBACKS: secretKeyFallbacks
{{- end -}}

{{/* The chart-made Secret's data (NAME: value), optional keys only when set. */}}
{{- define "motmap.secretData" -}}
{{- $secrets := .Values.secrets -}}
{{- range $key, $value := include "motmap.requiredSecretValues" . | fromYaml }}
{{ $key }}: {{ required (printf "secrets.%s (%s) is required, or name your own Secret in secrets.existingSecret" $value $key) (get $secrets $value) | toString | b64enc | quote }}
{{- end }}
{{- range $key, $value := include "motmap.optionalSecretValues" . | fromYaml }}
{{- if get $secrets $value }}
{{ $key }}: {{ get $secrets $value | toString | b64enc | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The names of the keys the pods read from the Secret, comma separated. */}}
{{- define "motmap.secretKeys" -}}
{{- $keys := keys (include "motmap.requiredSecretValues" . | fromYaml) -}}
{{- if .Values.secrets.existingSecret -}}
{{- $optional := include "motmap.optionalSecretValues" . | fromYaml -}}
{{- range .Values.secrets.existingSecretExtraKeys -}}
{{- if not (hasKey $optional .) -}}
{{- fail (printf "secrets.existingSecretExtraKeys: %s is not one of %s" . (keys $optional | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $keys = append $keys . -}}
{{- end -}}
{{- else -}}
{{- $keys = keys (include "motmap.secretData" . | fromYaml) -}}
{{- end -}}
{{- $keys | sortAlpha | uniq | join "," -}}
{{- end -}}

{{/* A value as an environment string: whole numbers without an exponent (3.1536e+07). */}}
{{- define "motmap.envString" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- . | int64 | toString -}}
{{- else -}}
{{- . | toString -}}
{{- end -}}
{{- end -}}

{{/* Names that config.extra may not set: secrets, DEBUG, and what the chart sets itself. */}}
{{- define "motmap.reservedNames" -}}
{{- $names := list "DEBUG" "WEB_CONCURRENCY" "GUNICORN_THREADS" "GUNICORN_TIMEOUT" "CELERY_WORKER_CONCURRENCY" "XDG_CACHE_HOME" -}}
{{- $names = concat $names (keys (include "motmap.requiredSecretValues" . | fromYaml)) (keys (include "motmap.optionalSecretValues" . | fromYaml)) -}}
{{- $names | join "," -}}
{{- end -}}

{{/* The ConfigMap's data: the non-secret settings (NAME: "value"). */}}
{{- define "motmap.configData" -}}
{{- $config := .Values.config -}}
{{- if not $config.allowedHosts -}}
{{- fail "config.allowedHosts (ALLOWED_HOSTS) may not be empty: the host names the site answers to" -}}
{{- end -}}
{{- if and $config.secureSslRedirect (not $config.behindTlsProxy) -}}
{{- fail "config.secureSslRedirect needs config.behindTlsProxy: gunicorn serves plain http, so without the proxy's X-Forwarded-Proto every request would be redirected again and again" -}}
{{- end -}}
DEBUG: "false"
ALLOWED_HOSTS: {{ $config.allowedHosts | join "," | quote }}
SITE_URL: {{ required "config.siteUrl (SITE_URL) is required: the public address, e.g. https://motmap.example.com" $config.siteUrl | trimSuffix "/" | quote }}
{{- if $config.csrfTrustedOrigins }}
CSRF_TRUSTED_ORIGINS: {{ $config.csrfTrustedOrigins | join "," | quote }}
{{- end }}
{{- if $config.defaultFromEmail }}
DEFAULT_FROM_EMAIL: {{ $config.defaultFromEmail | quote }}
{{- end }}
SECURE_COOKIES: {{ $config.secureCookies | toString | quote }}
BEHIND_TLS_PROXY: {{ $config.behindTlsProxy | toString | quote }}
{{- if $config.trustedProxies }}
TRUSTED_PROXIES: {{ $config.trustedProxies | join "," | quote }}
{{- end }}
SECURE_SSL_REDIRECT: {{ $config.secureSslRedirect | toString | quote }}
SECURE_HSTS_SECONDS: {{ $config.secureHstsSeconds | int64 | toString | quote }}
SECURE_HSTS_INCLUDE_SUBDOMAINS: {{ $config.secureHstsIncludeSubdomains | toString | quote }}
SECURE_HSTS_PRELOAD: {{ $config.secureHstsPreload | toString | quote }}
LOG_LEVEL: {{ $config.logLevel | quote }}
LOG_FORMAT: {{ $config.logFormat | quote }}
SENTRY_ENVIRONMENT: {{ $config.sentryEnvironment | quote }}
SENTRY_TRACES_SAMPLE_RATE: {{ include "motmap.envString" $config.sentryTracesSampleRate | quote }}
{{- $reserved := include "motmap.reservedNames" . | splitList "," }}
{{- $set := list "ALLOWED_HOSTS" "SITE_URL" "CSRF_TRUSTED_ORIGINS" "DEFAULT_FROM_EMAIL" "SECURE_COOKIES" "BEHIND_TLS_PROXY" "TRUSTED_PROXIES" "SECURE_SSL_REDIRECT" "SECURE_HSTS_SECONDS" "SECURE_HSTS_INCLUDE_SUBDOMAINS" "SECURE_HSTS_PRELOAD" "LOG_LEVEL" "LOG_FORMAT" "SENTRY_ENVIRONMENT" "SENTRY_TRACES_SAMPLE_RATE" }}
{{- range $name, $value := $config.extra }}
{{- if not (regexMatch "^[A-Z][A-Z0-9_]*$" $name) }}
{{- fail (printf "config.extra: %q is not a setting's name (capitals, digits and _)" $name) }}
{{- end }}
{{- if or (has $name $reserved) (has ($name | trimSuffix "_FILE") $reserved) }}
{{- fail (printf "config.extra may not set %s: secrets go under secrets:, DEBUG is always false, and the chart sets the rest from their own values" $name) }}
{{- end }}
{{- if has $name $set }}
{{- fail (printf "config.extra may not set %s: it has a value of its own under config:" $name) }}
{{- end }}
{{ $name }}: {{ include "motmap.envString" $value | quote }}
{{- end }}
{{- end -}}

{{/* The Host header of the probes: probes.host, or the first allowed host. */}}
{{- define "motmap.probeHost" -}}
{{- if .Values.probes.host -}}
{{- .Values.probes.host -}}
{{- else -}}
{{- $first := first .Values.config.allowedHosts | toString | trimPrefix "." -}}
{{- if or (eq $first "*") (eq $first "") -}}
localhost
{{- else -}}
{{- $first -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* An httpGet probe on gunicorn's port with that Host: (dict "root" $ "probe" .Values.web.x). */}}
{{- define "motmap.httpProbe" -}}
httpGet:
  path: {{ .probe.path }}
  port: http
  httpHeaders:
    - name: Host
      value: {{ include "motmap.probeHost" .root | quote }}
{{- with .probe.periodSeconds }}
periodSeconds: {{ . }}
{{- end }}
{{- with .probe.timeoutSeconds }}
timeoutSeconds: {{ . }}
{{- end }}
{{- with .probe.failureThreshold }}
failureThreshold: {{ . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by every pod. */}}
{{- define "motmap.podSettings" -}}
automountServiceAccountToken: false
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
enableServiceLinks: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Container settings shared by every container: image and security context. */}}
{{- define "motmap.containerSettings" -}}
image: {{ include "motmap.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
{{- end -}}

{{/* The secrets as files: NAME_FILE for every key the pods read from the Secret. */}}
{{- define "motmap.secretEnv" -}}
- name: XDG_CACHE_HOME
  value: /tmp/.cache
{{- range include "motmap.secretKeys" . | splitList "," }}
- name: {{ . }}_FILE
  value: /run/secrets/motmap/{{ . }}
{{- end }}
{{- end -}}

{{- define "motmap.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: var
  mountPath: /app/var
- name: secrets
  mountPath: /run/secrets/motmap
  readOnly: true
{{- end -}}

{{/* The pod's volumes: (dict "root" $ "secretName" "..."). */}}
{{- define "motmap.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .root.Values.tmpVolume.sizeLimit }}
- name: var
  emptyDir:
    sizeLimit: {{ .root.Values.varVolume.sizeLimit }}
- name: secrets
  secret:
    secretName: {{ .secretName }}
    defaultMode: 288 # 0440: read by the user 10001 through fsGroup
{{- end -}}

{{/* Annotations that restart the pods when the settings or the chart's Secret change. */}}
{{- define "motmap.checksums" -}}
checksum/config: {{ include "motmap.configData" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secrets: {{ include "motmap.secretData" . | sha256sum }}
{{- end }}
{{- end -}}

{{/* The pod template's annotations: (dict "root" $ "component" .Values.web). */}}
{{- define "motmap.podAnnotations" -}}
{{- $annotations := merge (deepCopy (default dict .component.podAnnotations)) (deepCopy (default dict .root.Values.podAnnotations)) -}}
{{ include "motmap.checksums" .root }}
{{- with $annotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* HPA and PDB checks: (dict "root" $ "name" "web" "component" .Values.web). */}}
{{- define "motmap.checkAutoscaling" -}}
{{- if .component.autoscaling.enabled -}}
{{- if not (and .component.resources .component.resources.requests .component.resources.requests.cpu) -}}
{{- fail (printf "%s.autoscaling needs %s.resources.requests.cpu: the HPA's target is a share of it" .name .name) -}}
{{- end -}}
{{- if lt (int .component.autoscaling.maxReplicas) (int .component.autoscaling.minReplicas) -}}
{{- fail (printf "%s.autoscaling.maxReplicas is below its minReplicas" .name) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A HorizontalPodAutoscaler on CPU for one Deployment: (dict "root" $ "name" "web" "component" .Values.web). */}}
{{- define "motmap.hpa" -}}
{{- if .component.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "motmap.fullname" .root }}-{{ .name }}
  labels:
    {{- include "motmap.componentLabels" (dict "root" .root "component" .name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "motmap.fullname" .root }}-{{ .name }}
  minReplicas: {{ .component.autoscaling.minReplicas }}
  maxReplicas: {{ .component.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .component.autoscaling.targetCPUUtilizationPercentage }}
  {{- with .component.autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget for one Deployment: (dict "root" $ "name" "web" "component" .Values.web). */}}
{{- define "motmap.pdb" -}}
{{- if .component.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "motmap.fullname" .root }}-{{ .name }}
  labels:
    {{- include "motmap.componentLabels" (dict "root" .root "component" .name) | nindent 4 }}
spec:
  {{- if not (eq (toString .component.podDisruptionBudget.minAvailable) "") }}
  minAvailable: {{ .component.podDisruptionBudget.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .component.podDisruptionBudget.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "motmap.selectorLabels" (dict "root" .root "component" .name) | nindent 6 }}
{{- end }}
{{- end -}}
