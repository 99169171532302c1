{{/* Names, labels and the pieces every app's workload shares. */}}

{{- define "mtaeda.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mtaeda.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "mtaeda.labels" -}}
{{ include "mtaeda.commonLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mtaeda.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: mtaeda
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Selector labels of one app: dict "root" $ "app" name. */}}
{{- define "mtaeda.selectorLabels" -}}
app.kubernetes.io/name: {{ .app }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Labels of one app's objects: dict "root" $ "app" name. */}}
{{- define "mtaeda.appLabels" -}}
{{ include "mtaeda.commonLabels" .root }}
{{ include "mtaeda.selectorLabels" . }}
app.kubernetes.io/component: {{ .app }}
{{- end -}}

{{/* Image of one app: dict "root" $ "app" name. */}}
{{- define "mtaeda.image" -}}
{{- $img := .root.Values.image -}}
{{- $repo := printf "mtaeda/%s" .app -}}
{{- if $img.registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" $img.registry) $repo }}{{ end -}}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/* Whether an app is scaled by KEDA: kind keda and the broker Kafka (its lag is what KEDA reads). */}}
{{- define "mtaeda.usesKeda" -}}
{{- if and (eq .cfg.autoscaling.kind "keda") (eq .root.Values.broker "kafka") }}true{{ end -}}
{{- end -}}

{{/* Whether an app is scaled by an HPA on CPU: kind hpa, or kind keda with a broker KEDA does not read. */}}
{{- define "mtaeda.usesHpa" -}}
{{- if or (eq .cfg.autoscaling.kind "hpa") (and (eq .cfg.autoscaling.kind "keda") (ne .root.Values.broker "kafka")) }}true{{ end -}}
{{- end -}}

{{/*
The Dapr annotations of an app's pods: dict "root" $ "app" name "cfg" the app's values.
An app without appPort (the simulator) has a sidecar but no app channel.
*/}}
{{- define "mtaeda.daprAnnotations" -}}
{{- $d := .root.Values.dapr -}}
dapr.io/enabled: "true"
dapr.io/app-id: {{ .app | quote }}
{{- if .cfg.appPort }}
dapr.io/app-port: {{ .cfg.appPort | quote }}
dapr.io/app-protocol: {{ .cfg.appProtocol | quote }}
dapr.io/enable-app-health-check: "true"
dapr.io/app-health-check-path: /healthz
dapr.io/app-token-secret: {{ $d.tokens.appTokenSecret | quote }}
{{- end }}
dapr.io/api-token-secret: {{ $d.tokens.apiTokenSecret | quote }}
dapr.io/config: {{ $d.config | quote }}
dapr.io/log-level: {{ $d.logLevel | quote }}
dapr.io/log-as-json: "true"
dapr.io/enable-metrics: {{ $d.metrics.enabled | quote }}
dapr.io/metrics-port: {{ $d.metrics.port | quote }}
dapr.io/sidecar-cpu-request: {{ $d.sidecar.resources.requests.cpu | quote }}
dapr.io/sidecar-memory-request: {{ $d.sidecar.resources.requests.memory | quote }}
{{- with $d.sidecar.resources.limits.cpu }}
dapr.io/sidecar-cpu-limit: {{ . | quote }}
{{- end }}
{{- with $d.sidecar.resources.limits.memory }}
dapr.io/sidecar-memory-limit: {{ . | quote }}
{{- end }}
dapr.io/sidecar-seccomp-profile-type: RuntimeDefault
{{- end -}}

{{/* The environment every app container gets: dict "root" $ "app" name "cfg" the app's values. */}}
{{- define "mtaeda.env" -}}
{{- $v := .root.Values -}}
- name: APP_ID
  value: {{ .app | quote }}
{{- if .cfg.appPort }}
- name: APP_PORT
  value: {{ .cfg.appPort | quote }}
- name: MANAGEMENT_PORT
  value: {{ $v.managementPort | quote }}
{{- end }}
- name: ASPNETCORE_ENVIRONMENT
  value: {{ $v.environment | quote }}
{{- if .cfg.appPort }}
- name: APP_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $v.dapr.tokens.appTokenSecret }}
      key: token
{{- end }}
- name: DAPR_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $v.dapr.tokens.apiTokenSecret }}
      key: token
{{- range $name, $value := $v.extraEnv }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- range $name, $value := .cfg.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The container security context of every app. */}}
{{- define "mtaeda.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The pod security context of every app. */}}
{{- define "mtaeda.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.podSecurityContext.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Probes on the management listener (HTTP/1.1): liveness /healthz, readiness /readyz, start-up /healthz. */}}
{{- define "mtaeda.probes" -}}
{{- $p := .Values.probes -}}
startupProbe:
  httpGet:
    path: /healthz
    port: management
  periodSeconds: {{ $p.startup.periodSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /healthz
    port: management
  periodSeconds: {{ $p.liveness.periodSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: /readyz
    port: management
  periodSeconds: {{ $p.readiness.periodSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
{{- end -}}

{{/* Image pull secrets of every pod. */}}
{{- define "mtaeda.pullSecrets" -}}
imagePullSecrets:
{{- range .Values.image.pullSecrets }}
  - name: {{ . }}
{{- end }}
{{- end -}}

{{/*
The pub/sub topic scopes, the same as components/pubsub.yaml (tests/Deploy.Tests checks that they stay the same).
*/}}
{{- define "mtaeda.pubsubScopes" -}}
- name: protectedTopics
  value: "equipment,passages,stations,gateway,notifications,identification,passengers"
- name: publishingScopes
  value: "equipment=equipment,passages,equipment.stations.deadletter;stations=stations,stations.equipment.deadletter,stations.scheduling.deadletter;gateway=gateway,gateway.equipment.deadletter;notifications=notifications,notifications.equipment.deadletter,notifications.maintenance.deadletter,notifications.scheduling.deadletter,notifications.passengers.deadletter,notifications.identification.deadletter;identification=identification,identification.equipment.deadletter,identification.identification.deadletter,identification.passengers.deadletter;passengers=passengers,passengers.passengers.deadletter"
- name: subscriptionScopes
  value: {{ include "mtaeda.subscriptionScopes" . | quote }}
{{- end -}}

{{- define "mtaeda.subscriptionScopes" -}}
equipment=stations;stations=equipment,scheduling;gateway=equipment;ridership=passages;maintenance=equipment,scheduling;notifications=equipment,maintenance,scheduling,passengers,identification;identification=equipment,identification,passengers;passengers=passengers
{{- end -}}

{{/* The topics an app subscribes to on "pubsub" (from the subscription scopes), as a list: dict "root" $ "app" name. */}}
{{- define "mtaeda.subscribedTopics" -}}
{{- $topics := list -}}
{{- range (splitList ";" (include "mtaeda.subscriptionScopes" .root)) -}}
{{- $pair := splitList "=" . -}}
{{- if eq (first $pair) $.app -}}
{{- $topics = splitList "," (last $pair) -}}
{{- end -}}
{{- end -}}
{{- toJson $topics -}}
{{- end -}}


{{/*
A checksum of the Dapr resources on every pod template: daprd reads components, resiliency and configuration when it
starts, so a change to them rolls the pods with `helm upgrade`.
*/}}
{{- define "mtaeda.daprChecksum" -}}
checksum/dapr: {{ print (include (print .Template.BasePath "/dapr-components.yaml") .) (include (print .Template.BasePath "/dapr-resiliency.yaml") .) (include (print .Template.BasePath "/dapr-configuration.yaml") .) | sha256sum }}
{{- end -}}
