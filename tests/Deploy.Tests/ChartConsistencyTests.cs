using System.Text.Json.Nodes;

namespace Mtaeda.Deploy.Tests;

/// <summary>The chart agrees with the rest of the repository: the apps of dapr.yaml, the component names, topic scopes
/// and resiliency policies of components/, and the contract with the apps (ports, tokens, management listener).</summary>
public sealed class ChartConsistencyTests
{
    private static readonly string[] KedaApps = ["ridership", "notifications", "identification"];

    // dev-mail (tools/dev-mail) is the run files' development mail sink, on loopback: not deployed.
    private static IEnumerable<JsonObject> RunFileApps() =>
        Chart.ParseFile(Path.Combine(Chart.Root, "dapr.yaml"))["apps"]!.AsArray().OfType<JsonObject>().Where(a => (string?)a["appID"] != "dev-mail");

    private static JsonObject Container(JsonObject workload) => workload["spec"]!["template"]!["spec"]!["containers"]!.AsArray().OfType<JsonObject>().First();

    private static string? Env(JsonObject container, string name) =>
        (string?)container["env"]?.AsArray().OfType<JsonObject>().FirstOrDefault(e => (string?)e["name"] == name)?["value"];

    private static JsonObject? EnvEntry(JsonObject container, string name) =>
        container["env"]?.AsArray().OfType<JsonObject>().FirstOrDefault(e => (string?)e["name"] == name);

    private static int NamedPort(JsonObject container, string name) =>
        int.Parse((string)container["ports"]!.AsArray().OfType<JsonObject>().Single(p => (string?)p["name"] == name)["containerPort"]!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Every_app_of_the_run_file_has_an_image_and_a_workload_with_its_app_id_port_protocol_and_probes()
    {
        var rendered = await Chart.RenderAsync("apps.simulator.enabled=true");
        foreach (var app in RunFileApps())
        {
            var id = (string)app["appID"]!;
            var workload = rendered.WorkloadOf(id);
            Assert.True(workload is not null, $"no workload with dapr.io/app-id {id}");
            var annotations = workload["spec"]!["template"]!["metadata"]!["annotations"]!;
            var container = Container(workload);
            Assert.Matches($"(^|/)mtaeda/{id}:[^:/]+$", (string)container["image"]!);
            Assert.Equal("true", (string?)annotations["dapr.io/enabled"]);
            if (app["appPort"] is null)
            {
                Assert.Null(annotations["dapr.io/app-port"]);
                continue;
            }
            var port = (string)app["appPort"]!;
            Assert.Equal(port, (string?)annotations["dapr.io/app-port"]);
            Assert.Equal((string?)app["appProtocol"] ?? "http", (string?)annotations["dapr.io/app-protocol"]);
            Assert.Equal(port, Env(container, "APP_PORT"));
            Assert.Equal(port, NamedPort(container, "app").ToString(System.Globalization.CultureInfo.InvariantCulture));

            // Probes and scrapes on the management listener (HTTP/1.1), never on the h2c app port.
            var management = NamedPort(container, "management");
            Assert.Equal(management.ToString(System.Globalization.CultureInfo.InvariantCulture), Env(container, "MANAGEMENT_PORT"));
            foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz") })
            {
                var get = container[probe]?["httpGet"];
                Assert.True(get is not null, $"{id} has no {probe}");
                Assert.Equal("management", (string?)get["port"]);
                Assert.Equal(path, (string?)get["path"]);
            }

            // The tokens come from the same Secrets the annotations name for daprd (key "token").
            Assert.Equal((string?)annotations["dapr.io/app-token-secret"], (string?)EnvEntry(container, "APP_API_TOKEN")?["valueFrom"]?["secretKeyRef"]?["name"]);
            Assert.Equal((string?)annotations["dapr.io/api-token-secret"], (string?)EnvEntry(container, "DAPR_API_TOKEN")?["valueFrom"]?["secretKeyRef"]?["name"]);
            Assert.Equal("token", (string?)EnvEntry(container, "APP_API_TOKEN")!["valueFrom"]!["secretKeyRef"]!["key"]);

            // Each app-specific port of the run file is the one the chart gives the app.
            foreach (var (variable, value) in app["env"]?.AsObject() ?? [])
                if (variable.EndsWith("_PORT", StringComparison.Ordinal)) Assert.Equal((string?)value, Env(container, variable));
        }
    }

    [Fact]
    public async Task Every_app_runs_unprivileged_on_a_read_only_root_with_a_writable_tmp()
    {
        var rendered = await Chart.RenderAsync("apps.simulator.enabled=true");
        foreach (var workload in rendered.Workloads)
        {
            var name = (string)workload["metadata"]!["name"]!;
            var pod = workload["spec"]!["template"]!["spec"]!;
            Assert.Equal("1654", (string?)pod["securityContext"]!["runAsUser"]);
            Assert.Equal("true", (string?)pod["securityContext"]!["runAsNonRoot"]);
            Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
            var security = Container(workload)["securityContext"]!;
            Assert.Equal("true", (string?)security["readOnlyRootFilesystem"]);
            Assert.Equal("false", (string?)security["allowPrivilegeEscalation"]);
            Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => (string)c!));
            Assert.Contains(Container(workload)["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/tmp");
            Assert.True(Container(workload)["resources"]?["requests"] is not null, $"{name} has no resource requests");
        }
    }

    [Fact]
    public async Task The_gateway_is_a_stateful_set_with_its_journal_on_a_volume_and_its_device_port_behind_a_load_balancer()
    {
        var rendered = await Chart.RenderAsync();
        var gateway = rendered.WorkloadOf("gateway")!;
        Assert.Equal("StatefulSet", (string?)gateway["kind"]);
        var claim = gateway["spec"]!["volumeClaimTemplates"]!.AsArray().OfType<JsonObject>().Single();
        var container = Container(gateway);
        var mount = container["volumeMounts"]!.AsArray().OfType<JsonObject>().Single(m => (string?)m["name"] == (string?)claim["metadata"]!["name"]);
        Assert.Equal("/var/lib/mtaeda/journal", (string?)mount["mountPath"]);
        Assert.Equal("/var/lib/mtaeda/journal", Env(container, "GATEWAY_JOURNAL_DIR"));
        foreach (var setting in new[] { "Gateway__ServerCertificatePath", "Gateway__ServerKeyPath", "Gateway__StationCaPath" })
            Assert.StartsWith("/var/run/mtaeda/", Env(container, setting));

        var devices = rendered.OfKind("Service").Single(s => s["spec"]!["ports"]!.AsArray().Any(p => (string?)p!["targetPort"] == "devices"));
        Assert.Equal("LoadBalancer", (string?)devices["spec"]!["type"]);
        Assert.Equal(Env(container, "GATEWAY_DEVICE_PORT"), NamedPort(container, "devices").ToString(System.Globalization.CultureInfo.InvariantCulture));

        var hub = rendered.OfKind("Service").Single(s => s["spec"]!["ports"]!.AsArray().Any(p => (string?)p!["targetPort"] == "hub"));
        var notifications = Container(rendered.WorkloadOf("notifications")!);
        Assert.Equal(Env(notifications, "NOTIFICATIONS_HUB_PORT"), (string?)hub["spec"]!["ports"]![0]!["port"]);
        Assert.Equal($"http://{hub["metadata"]!["name"]}:{hub["spec"]!["ports"]![0]!["port"]}/hubs/operations", Env(Container(rendered.WorkloadOf("dashboard")!), "Hub__Url"));
    }

    [Theory]
    [InlineData("kafka")]
    [InlineData("redis")]
    public async Task Event_heavy_consumers_scale_on_kafka_lag_and_fall_back_to_cpu_on_redis(string broker)
    {
        var rendered = await Chart.RenderAsync($"broker={broker}");
        var scaled = rendered.OfKind("ScaledObject").Select(s => (string)s["spec"]!["scaleTargetRef"]!["name"]!).ToHashSet();
        var hpa = rendered.OfKind("HorizontalPodAutoscaler").Select(s => (string)s["spec"]!["scaleTargetRef"]!["name"]!).ToHashSet();
        Assert.Empty(scaled.Intersect(hpa));
        foreach (var app in KedaApps)
        {
            var name = (string)rendered.WorkloadOf(app)!["metadata"]!["name"]!;
            Assert.Contains(name, broker == "kafka" ? scaled : hpa);
        }
        foreach (var api in new[] { "equipment", "stations", "maintenance", "scheduling", "passengers" })
            Assert.Contains((string)rendered.WorkloadOf(api)!["metadata"]!["name"]!, hpa);

        // KEDA reads the lag of the app's consumer group (its app id) on each topic the app subscribes to.
        var subscriptions = DaprMetadata.Value(rendered.Component("pubsub"), "subscriptionScopes")!.Split(';')
            .Select(s => s.Split('=')).ToDictionary(p => p[0], p => p[1].Split(','));
        foreach (var scaledObject in rendered.OfKind("ScaledObject"))
        {
            var app = (string)scaledObject["metadata"]!["labels"]!["app.kubernetes.io/name"]!;
            var triggers = scaledObject["spec"]!["triggers"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.All(triggers, t => Assert.Equal(app, (string?)t["metadata"]!["consumerGroup"]));
            Assert.Equal(subscriptions[app].Order(), triggers.Select(t => (string)t["metadata"]!["topic"]!).Order());

            // The brokers KEDA reads come from the Kafka Secret, in the container KEDA is told to read.
            var source = (string)scaledObject["spec"]!["scaleTargetRef"]!["envSourceContainerName"]!;
            var container = rendered.WorkloadOf(app)!["spec"]!["template"]!["spec"]!["containers"]!.AsArray().OfType<JsonObject>().Single(c => (string?)c["name"] == source);
            Assert.All(triggers, t =>
                Assert.Equal("brokers", (string?)EnvEntry(container, (string)t["metadata"]!["bootstrapServersFromEnv"]!)?["valueFrom"]?["secretKeyRef"]?["key"]));
        }
    }

    [Fact]
    public async Task The_public_api_ingress_invokes_only_apps_that_serve_an_api_and_only_their_public_operations()
    {
        var rendered = await Chart.RenderAsync();
        var api = rendered.OfKind("Ingress").Single(i => ((string?)i["metadata"]!["annotations"]?["nginx.ingress.kubernetes.io/rewrite-target"])?.StartsWith("/v1.0/invoke/", StringComparison.Ordinal) == true);
        var path = (string)api["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["path"]!;
        var apps = System.Text.RegularExpressions.Regex.Match(path, @"^/\(([^)]*)\)").Groups[1].Value.Split('|');
        Assert.NotEmpty(apps);
        foreach (var app in apps)
            Assert.Equal("h2c", (string?)rendered.WorkloadOf(app)?["spec"]!["template"]!["metadata"]!["annotations"]!["dapr.io/app-protocol"]);
        Assert.DoesNotContain("gateway", apps);
        Assert.DoesNotContain("dashboard", apps);
        Assert.Equal("/v1.0/invoke/$1.mtaeda/method/$3", (string?)api["metadata"]!["annotations"]!["nginx.ingress.kubernetes.io/rewrite-target"]);

        var policy = rendered.OfKind("Configuration").Single()["spec"]!["accessControl"]!["policies"]!.AsArray().OfType<JsonObject>().Single();
        Assert.Equal("nginx-ingress", (string?)policy["appId"]);
        Assert.Equal("deny", (string?)policy["defaultAction"]);
        Assert.Equal(["/v1/**"], policy["operations"]!.AsArray().Select(o => (string)o!["name"]!));
    }

    [Fact]
    public async Task A_change_to_the_dapr_resources_rolls_every_pod()
    {
        // daprd reads its components, resiliency and configuration at start: a change must change every pod template.
        var kafka = await Chart.RenderAsync("broker=kafka");
        var redis = await Chart.RenderAsync("broker=redis");
        string Checksum(Rendered r, string app) => (string)r.WorkloadOf(app)!["spec"]!["template"]!["metadata"]!["annotations"]!["checksum/dapr"]!;
        foreach (var workload in kafka.Workloads)
        {
            var app = (string)workload["spec"]!["template"]!["metadata"]!["annotations"]!["dapr.io/app-id"]!;
            Assert.NotEqual(Checksum(kafka, app), Checksum(redis, app));
        }
    }

    [Fact]
    public async Task Kafka_and_redis_and_every_state_store_declare_the_same_dapr_resources_and_scopes()
    {
        var variants = await Task.WhenAll(
            Chart.RenderAsync("broker=kafka"), Chart.RenderAsync("broker=redis"),
            Chart.RenderAsync("stateStore=postgresql"), Chart.RenderAsync("stateStore=cosmosdb"));
        var expected = variants[0].DaprResources.Order().ToList();
        Assert.Equal(["pubsub", "hubfanout", "statestore", "identificationstore", "secretstore"], variants[0].OfKind("Component").Select(c => (string)c["metadata"]!["name"]!));
        foreach (var variant in variants)
        {
            Assert.Equal(expected, variant.DaprResources.Order().ToList());
            foreach (var component in variant.OfKind("Component"))
                Assert.Equal(DaprMetadata.Scopes(variants[0].Component((string)component["metadata"]!["name"]!)), DaprMetadata.Scopes(component));
            Assert.Equal("true", DaprMetadata.Value(variant.Component("statestore"), "actorStateStore"));
            Assert.Equal("{podName}", DaprMetadata.Value(variant.Component("hubfanout"), "consumerID"));
            Assert.NotNull(DaprMetadata.Item(variant.Component("identificationstore"), "primaryEncryptionKey")?["secretKeyRef"]);
        }
    }

    [Fact]
    public async Task The_components_have_the_names_and_scopes_of_the_repository_components()
    {
        var rendered = await Chart.RenderAsync();
        var repository = RepositoryComponents.All();
        var components = repository.Where(r => (string?)r.Resource["kind"] == "Component").ToList();
        // A secret store that only serves other components' secretKeyRefs locally is the Dapr operator's job on Kubernetes.
        var authStores = components.Select(c => (string?)c.Resource["auth"]?["secretStore"]).OfType<string>().ToHashSet();
        foreach (var (file, component) in components)
        {
            var name = (string)component["metadata"]!["name"]!;
            if (authStores.Contains(name)) continue;
            var chart = rendered.OfKind("Component").SingleOrDefault(c => (string?)c["metadata"]!["name"] == name);
            Assert.True(chart is not null, $"{file} declares the component {name}, the chart does not");
            Assert.True(DaprMetadata.Scopes(component).SequenceEqual(DaprMetadata.Scopes(chart)), $"{name}: scopes {string.Join(',', DaprMetadata.Scopes(chart))} in the chart, {string.Join(',', DaprMetadata.Scopes(component))} in {file}");
            foreach (var scope in new[] { "protectedTopics", "publishingScopes", "subscriptionScopes" })
                Assert.True(DaprMetadata.Value(component, scope) == DaprMetadata.Value(chart, scope), $"{name}: {scope} differs from {file}:\n chart: {DaprMetadata.Value(chart, scope)}\n file:  {DaprMetadata.Value(component, scope)}");
        }
    }

    [Fact]
    public async Task The_resiliency_policies_are_those_of_the_repository()
    {
        var rendered = await Chart.RenderAsync();
        var chart = rendered.OfKind("Resiliency").Single();
        var repository = RepositoryComponents.All().Where(r => (string?)r.Resource["kind"] == "Resiliency").ToList();
        Assert.NotEmpty(repository);
        foreach (var (file, resiliency) in repository)
            Assert.True(JsonNode.DeepEquals(resiliency["spec"], chart["spec"]), $"the chart's Resiliency differs from {file}:\n chart: {DaprMetadata.Show(chart["spec"])}\n file:  {DaprMetadata.Show(resiliency["spec"])}");
    }

    [Fact]
    public async Task Only_the_sidecar_reaches_an_app_port_and_only_the_ingress_reaches_the_dashboard()
    {
        var rendered = await Chart.RenderAsync();
        var policies = rendered.OfKind("NetworkPolicy").ToList();
        foreach (var app in RunFileApps().Where(a => a["appPort"] is not null))
        {
            var id = (string)app["appID"]!;
            var policy = policies.SingleOrDefault(p => (string?)p["spec"]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/name"] == id);
            Assert.True(policy is not null, $"no NetworkPolicy selects {id}");
            var rules = policy["spec"]!["ingress"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.All(rules, r => Assert.NotNull(r["ports"]));
            var reaching = rules.Where(r => r["ports"]!.AsArray().Any(p => (string?)p!["port"] == (string)app["appPort"]!)).ToList();
            if (id == "dashboard")
                Assert.Equal("ingress-nginx", (string?)Assert.Single(reaching)["from"]![0]!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);
            else
                Assert.Empty(reaching);
        }
    }

    [Theory]
    [InlineData("values.yaml")]
    [InlineData("values-aks.yaml")]
    public async Task The_dashboard_runs_several_replicas_that_share_their_keys_behind_a_sticky_ingress_with_a_pdb(string valuesFile)
    {
        string[] files = valuesFile == "values.yaml" ? ["values.yaml"] : ["values.yaml", valuesFile];
        var rendered = await Chart.RenderAsync(files, Array.Empty<string>());
        var dashboard = rendered.WorkloadOf("dashboard")!;
        Assert.Equal("2", (string?)dashboard["spec"]!["replicas"]);
        // The keys in the component the chart renders as "statestore", which the dashboard's sidecar may use (no scopes).
        Assert.Equal("statestore", Env(Container(dashboard), "DASHBOARD_KEYS_STATE_STORE"));
        Assert.Empty(DaprMetadata.Scopes(rendered.Component("statestore")));

        var ingress = rendered.OfKind("Ingress").Single(i => i["spec"]!["rules"]!.AsArray().Any(r => r!["http"]!["paths"]!.AsArray().Any(p => ((string?)p!["backend"]!["service"]!["name"])!.EndsWith("-dashboard", StringComparison.Ordinal))));
        Assert.Equal("nginx", (string?)ingress["spec"]!["ingressClassName"]);
        var annotations = ingress["metadata"]!["annotations"]!.AsObject();
        Assert.Equal("cookie", (string?)annotations["nginx.ingress.kubernetes.io/affinity"]);
        Assert.Equal("persistent", (string?)annotations["nginx.ingress.kubernetes.io/affinity-mode"]);
        Assert.Equal("true", (string?)annotations["nginx.ingress.kubernetes.io/session-cookie-secure"]);
        Assert.False(string.IsNullOrEmpty((string?)annotations["nginx.ingress.kubernetes.io/session-cookie-name"]));

        var selector = dashboard["spec"]!["selector"]!["matchLabels"]!.ToJsonString();
        var pdb = Assert.Single(rendered.OfKind("PodDisruptionBudget"), p => p["spec"]!["selector"]!["matchLabels"]!.ToJsonString() == selector);
        Assert.Equal("1", (string?)pdb["spec"]!["maxUnavailable"]);
    }

    [Fact]
    public async Task No_service_of_the_release_but_the_gateways_device_port_has_session_affinity()
    {
        var rendered = await Chart.RenderAsync();
        var sticky = rendered.OfKind("Service").Where(s => s["spec"]!["sessionAffinity"] is not null && (string?)s["spec"]!["sessionAffinity"] != "None")
            .Select(s => (string)s["metadata"]!["name"]!).ToArray();
        // The hub's connections are single WebSocket requests (the dashboard skips negotiation): no affinity needed.
        Assert.Equal(["mtaeda-gateway-devices"], sticky);
    }
}
