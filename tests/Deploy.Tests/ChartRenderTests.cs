namespace Mtaeda.Deploy.Tests;

/// <summary>The chart lints and renders for each values file and each broker and state store, and every object it renders
/// passes the offline validator (Kubernetes and KEDA schemas, Dapr's required fields).</summary>
public sealed class ChartRenderTests
{
    /// <summary>The renders every check covers: the three values files and the other brokers, stores and options.</summary>
    public static readonly (string[] Files, string[] Sets)[] Variants =
    [
        (["values.yaml"], []),
        (["values.yaml", "values-aks.yaml"], []),
        (["values.yaml", "values-local.yaml"], []),
        (["values.yaml"], ["broker=redis"]),
        (["values.yaml"], ["stateStore=postgresql"]),
        (["values.yaml"], ["stateStore=cosmosdb", "identification.secondaryKey=secondary"]),
        (["values.yaml"], ["kafka.authType=password", "kafka.tls=true", "apps.simulator.enabled=true", "ingress.api.grpcHost=grpc.example.com", "dapr.tracing.otlpEndpoint=otel:4317", "dapr.systemConfiguration.enabled=true", "notifications.allowedSecrets[0]=ops-webhook", "image.pullSecrets[0]=acr"]),
    ];

    [Theory]
    [InlineData("values.yaml")]
    [InlineData("values-aks.yaml")]
    [InlineData("values-local.yaml")]
    public async Task Helm_lint_passes_strictly(string valuesFile)
    {
        Chart.RequireHelm();
        var result = await Chart.RunAsync(Chart.Helm!, ["lint", Chart.Directory, "--strict", "-f", Path.Combine(Chart.Directory, valuesFile)], Chart.Root);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("0 chart(s) failed", result.Output);
    }

    [Fact]
    public async Task Every_rendered_object_passes_the_offline_validator()
    {
        Chart.RequireHelm();
        Chart.RequireValidator();
        var renders = await Task.WhenAll(Variants.Select(v => Chart.RenderAsync(v.Files, v.Sets)));
        var result = await Chart.RunAsync(Chart.Node!, [Path.Combine(Chart.ChecksDirectory, "validate.mjs"), .. renders.Select(r => r.Path)], Chart.ChecksDirectory);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains($"{renders.Sum(r => r.Objects.Count)} objects checked, 0 problems", result.Output);
    }

    [Fact]
    public async Task The_repository_components_pass_the_same_validator()
    {
        Chart.RequireValidator();
        var files = Directory.EnumerateFiles(Path.Combine(Chart.Root, "components"), "*.yaml", SearchOption.AllDirectories).ToArray();
        var result = await Chart.RunAsync(Chart.Node!, [Path.Combine(Chart.ChecksDirectory, "validate.mjs"), .. files], Chart.ChecksDirectory);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
    }

    [Fact]
    public async Task The_values_schema_is_the_one_values_yaml_gives()
    {
        Chart.RequireValidator();
        var result = await Chart.RunAsync(Chart.Node!, [Path.Combine(Chart.ChecksDirectory, "values-schema.mjs"), Path.Combine(Chart.Directory, "values.yaml")], Chart.Root);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(result.Output == await File.ReadAllTextAsync(Path.Combine(Chart.Directory, "values.schema.json"), TestContext.Current.CancellationToken),
            "helm/mtaeda/values.schema.json is out of date: node tests/helm-checks/values-schema.mjs helm/mtaeda/values.yaml > helm/mtaeda/values.schema.json");
    }

    [Fact]
    public async Task The_validator_refuses_broken_objects()
    {
        Chart.RequireValidator();
        var path = Path.Combine(Path.GetTempPath(), $"mtaeda-broken-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: broken}
            spec:
              selector: {}
              template:
                spec:
                  containers: [{name: a, ports: [{containerPort: "http"}]}]
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: {name: pubsub}
            spec:
              type: pubsub.kafka
              version: v1
              metadata:
              - name: authType
                value: password
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata: {name: r}
            spec:
              policies: {retries: {r: {policy: sometimes}}}
              targets: {apps: {equipment: {retry: missing}}}
            ---
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata: {name: s}
            spec:
              triggers: []
            ---
            apiVersion: example.com/v1
            kind: Unknown
            metadata: {name: u}
            """, TestContext.Current.CancellationToken);
        try
        {
            var result = await Chart.RunAsync(Chart.Node!, [Path.Combine(Chart.ChecksDirectory, "validate.mjs"), path], Chart.ChecksDirectory);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("Deployment/broken: data/spec/template/spec/containers/0/ports/0/containerPort must be integer", result.Output);
            Assert.Contains("Component/pubsub: pubsub.kafka requires metadata brokers", result.Output);
            Assert.Contains("Component/pubsub: pubsub.kafka with authType password requires saslPassword", result.Output);
            Assert.Contains("Resiliency/r: retry r: policy must be constant or exponential", result.Output);
            Assert.Contains("Resiliency/r: target app equipment: retry missing is not defined", result.Output);
            Assert.Contains("ScaledObject/s: data/spec must have required property scaleTargetRef", result.Output);
            Assert.Contains("Unknown/u: no schema for apiVersion example.com/v1", result.Output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("broker=rabbitmq", "at '/broker': value must be one of 'kafka', 'redis'")]
    [InlineData("stateStore=mongodb", "at '/stateStore': value must be one of 'redis', 'postgresql', 'cosmosdb'")]
    [InlineData("apps.ridership.autoscaling.kind=vpa", "at '/apps/ridership/autoscaling/kind': value must be one of 'hpa', 'keda', 'none'")]
    [InlineData("brokr=redis", "additional properties 'brokr' not allowed")]
    [InlineData("apps.ridership.replica=3", "additional properties 'replica' not allowed")]
    public async Task A_misspelt_or_unknown_value_is_refused_with_the_reason(string set, string message)
    {
        Chart.RequireHelm();
        var result = await Chart.RunAsync(Chart.Helm!, ["template", "mtaeda", Chart.Directory, "--set", set], Chart.Root);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Error);
    }
}
