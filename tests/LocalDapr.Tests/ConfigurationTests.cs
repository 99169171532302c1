using LocalDapr.Configuration;
using LocalDapr.Runner;

namespace LocalDapr.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Components_are_read_with_their_metadata_and_scopes()
    {
        Write("c/pubsub.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
              metadata:
              - name: backOffMaxRetries
                value: "7"
            scopes: [equipment, ridership]
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: ignored
            spec: {}
            """);

        var forEquipment = ResourceLoader.Load([Path.Combine(_dir, "c")], "equipment");
        var forOther = ResourceLoader.Load([Path.Combine(_dir, "c")], "stations");

        var component = Assert.Single(forEquipment.Components);
        Assert.Equal("pubsub", component.Name);
        Assert.Equal(7, component.MetaInt("backOffMaxRetries", 0));
        Assert.Empty(forOther.Components);
    }

    [Fact]
    public void The_suites_component_builder_writes_resources_the_loader_reads_back_value_for_value()
    {
        Write("c/components.yaml", Harness.Component("pubsub", "pubsub.in-memory", ("consumerID", "orders-group"), ("odd", "a \"quoted\" \\ value, with: colon"))
            + "---\n" + Harness.Component("statestore", "state.in-memory"));

        var components = ResourceLoader.Load([Path.Combine(_dir, "c")], "any").Components;

        Assert.Equal(["pubsub", "statestore"], components.Select(c => c.Name));
        Assert.Equal(("pubsub.in-memory", "v1"), (components[0].Type, components[0].Version));
        Assert.Equal(new Dictionary<string, string> { ["consumerID"] = "orders-group", ["odd"] = "a \"quoted\" \\ value, with: colon" }, components[0].Metadata);
        Assert.Empty(components[1].Metadata);
    }

    [Fact]
    public void Malformed_yaml_names_the_file_and_line()
    {
        var path = Write("c/bad.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: [unclosed\n");

        var e = Assert.Throws<ConfigurationException>(() => ResourceLoader.Load([Path.Combine(_dir, "c")], "x"));

        Assert.Equal(path, e.File);
        Assert.True(e.Line >= 4, $"line {e.Line}");
        Assert.StartsWith($"{path}:{e.Line}: malformed YAML", e.Message);
    }

    [Fact]
    public void A_component_without_a_type_is_refused_with_its_line()
    {
        var path = Write("c/x.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  version: v1\n");

        var e = Assert.Throws<ConfigurationException>(() => ResourceLoader.Load([Path.Combine(_dir, "c")], "x"));

        Assert.Equal($"{path}:6: component 'x' has no 'type'", e.Message);
    }

    [Fact]
    public void Unsupported_component_types_are_refused_with_the_advice_to_use_the_dapr_cli()
    {
        var path = Write("c/kafka.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: pubsub\nspec:\n  type: pubsub.kafka\n  version: v1\n");

        var e = Assert.Throws<ConfigurationException>(() => ResourceLoader.Load([Path.Combine(_dir, "c")], "x"));

        Assert.StartsWith($"{path}:6: component 'pubsub' has type 'pubsub.kafka', which the local runtime does not implement", e.Message);
        Assert.Contains("Dapr CLI", e.Message);
    }

    [Fact]
    public void Two_components_with_one_name_are_refused()
    {
        Write("c/a.yaml", "kind: Component\nmetadata: {name: s}\nspec: {type: state.in-memory}\n");
        Write("c/b.yaml", "kind: Component\nmetadata: {name: s}\nspec: {type: state.in-memory}\n");

        var e = Assert.Throws<ConfigurationException>(() => ResourceLoader.Load([Path.Combine(_dir, "c")], "x"));

        Assert.Contains("component 's' is already defined in", e.Message);
    }

    [Fact]
    public void The_run_file_merges_common_settings_and_resolves_paths_as_the_dapr_cli_does()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "components"));
        Directory.CreateDirectory(Path.Combine(_dir, "services", "one", "own"));
        var path = Write("dapr.yaml", """
            version: 1
            common:
              resourcesPath: ./components
              env:
                SHARED: "yes"
                OVERRIDDEN: common
              appLogDestination: console
            apps:
              - appID: one
                appDirPath: ./services/one
                appPort: 5001
                appProtocol: h2c
                daprHTTPPort: 3501
                daprGRPCPort: 50011
                resourcesPaths: [./own]
                command: ["dotnet", "run"]
                env:
                  OVERRIDDEN: app
                enableAppHealthCheck: true
                appHealthCheckPath: /readyz
              - appDirPath: ./services/one
                appID: two
            """);

        var apps = RunFile.Load(path, new Dictionary<string, string> { ["DAPR_API_TOKEN"] = "from-env" });

        var one = apps[0];
        Assert.Equal("one", one.AppId);
        Assert.Equal(Path.Combine(_dir, "services", "one"), one.AppDirPath);
        Assert.Equal(["dotnet", "run"], one.Command);
        Assert.Equal("yes", one.Env["SHARED"]);
        Assert.Equal("app", one.Env["OVERRIDDEN"]);
        Assert.Equal(LogDestination.Console, one.AppLogDestination);
        Assert.Equal(5001, one.Sidecar.AppPort);
        Assert.Equal("h2c", one.Sidecar.AppProtocol);
        Assert.Equal(3501, one.Sidecar.HttpPort);
        Assert.Equal(50011, one.Sidecar.GrpcPort);
        Assert.Equal([Path.Combine(_dir, "services", "one", "own")], one.Sidecar.ResourcesPaths);
        Assert.True(one.Sidecar.EnableAppHealthCheck);
        Assert.Equal("/readyz", one.Sidecar.AppHealthCheckPath);
        Assert.Equal("from-env", one.Sidecar.ApiToken);
        Assert.Equal([Path.Combine(_dir, "components")], apps[1].Sidecar.ResourcesPaths);
        Assert.Null(apps[1].Sidecar.AppPort);
    }

    [Theory]
    [InlineData("version: 2\napps: []\n", ":1: unsupported run file version '2'")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: ./nowhere\n", ":3: appDirPath './nowhere' does not exist")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: .\n    appPort: many\n", ":5: 'appPort' must be a whole number")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: .\n  - appID: x\n    appDirPath: .\n", ":5: app id 'x' appears twice")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: .\n    appProtocol: grpcs\n", "appProtocol 'grpcs' is not supported by the local runtime")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: .\n    appPort: 7000\n  - appID: y\n    appDirPath: .\n    daprHTTPPort: 7000\n", "port 7000 is given to more than one app or sidecar")]
    [InlineData("version: 1\napps: [\n", "malformed YAML")]
    [InlineData("apps:\n  - appID: x\n    appDirPath: .\n", ":1: required field 'version' not found in the provided run template file")]
    [InlineData("Version: 1\napps:\n  - appID: x\n    appDirPath: .\n", ":1: required field 'version' not found")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: .\n    appLogDestination: FILE\n", ":5: invalid log destination type: FILE")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: .\n    resourcesPaths: ./nowhere\n", ":5: 'resourcesPaths' must be a list")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: .\n    command: dotnet run\n", ":5: 'command' must be a list")]
    [InlineData("version: 1\ncommon:\n  resourcesPaths: [./nowhere]\napps:\n  - appID: x\n    appDirPath: .\n", ":3: resources path './nowhere' does not exist")]
    [InlineData("version: 1\napps:\n  - appID: x\n    appDirPath: .\n    resourcesPath: ./nowhere\n", ":5: resources path './nowhere' does not exist")]
    public void Bad_run_files_are_refused_with_file_and_line(string text, string expected)
    {
        var path = Write("dapr.yaml", text);

        var e = Assert.Throws<ConfigurationException>(() => RunFile.Load(path, new Dictionary<string, string>()));

        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Resources_paths_compose_as_the_dapr_cli_resolves_them()
    {
        foreach (var dir in new[] { "components/common", "components/memory", "extra", "services/one/own", "services/two/.dapr/resources", "services/three" })
            Directory.CreateDirectory(Path.Combine(_dir, dir));
        var path = Write("dapr.yaml", """
            version: 1
            common:
              resourcesPaths: [./components/common, ./components/memory]
              resourcesPath: ./extra
            apps:
              - appID: one
                appDirPath: ./services/one
                resourcesPaths: [./own]
              - appID: two
                appDirPath: ./services/two
              - appID: three
                appDirPath: ./services/three
                resourcespaths: [./ignored, spelled in another case]
            """);

        var apps = RunFile.Load(path, new Dictionary<string, string>());

        // An app's own paths (relative to its folder), then its folder's .dapr/resources, then the common paths, in that order;
        // in a section, resourcesPaths and the older resourcesPath together.
        Assert.Equal([Path.Combine(_dir, "services", "one", "own")], apps[0].Sidecar.ResourcesPaths);
        Assert.Equal([Path.Combine(_dir, "services", "two", ".dapr", "resources")], apps[1].Sidecar.ResourcesPaths);
        Assert.Equal([Path.Combine(_dir, "components", "common"), Path.Combine(_dir, "components", "memory"), Path.Combine(_dir, "extra")], apps[2].Sidecar.ResourcesPaths);
        // daprd's working directory is the app's folder (the Dapr CLI starts it there).
        Assert.Equal(Path.Combine(_dir, "services", "three"), apps[2].Sidecar.WorkingDirectory);
    }

    [Fact]
    public void Only_the_top_level_of_a_resources_path_is_read_as_daprd_reads_it()
    {
        Write("c/pubsub.yaml", "kind: Component\nmetadata: {name: pubsub}\nspec: {type: pubsub.in-memory}\n");
        Write("c/nested/statestore.yaml", "kind: Component\nmetadata: {name: statestore}\nspec: {type: state.in-memory}\n");

        var resources = ResourceLoader.Load([Path.Combine(_dir, "c")], "x");

        Assert.Equal(["pubsub"], resources.Components.Select(c => c.Name));
    }

    [Fact]
    public void A_relative_secrets_file_is_read_from_the_sidecars_working_directory()
    {
        Write("app/.dapr/secrets.json", """{"hook": "whsec_x"}""");
        var spec = new ComponentSpec("secretstore", "secretstores.local.file", "v1", new Dictionary<string, string> { ["secretsFile"] = ".dapr/secrets.json" }, [], "c.yaml", 1);

        var store = new LocalDapr.Secrets.LocalFileSecretStore(LocalDapr.Secrets.LocalFileSecretStore.InDirectory(spec, Path.Combine(_dir, "app")));

        Assert.Equal("whsec_x", store.Get("hook", new Dictionary<string, string>())["hook"]);
        Assert.Same(spec, LocalDapr.Secrets.LocalFileSecretStore.InDirectory(spec, null));
    }

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("0h0m5s0ms", 5000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1500)]
    [InlineData("PT1M30S", 90_000)]
    [InlineData("PT2H", 7_200_000)]
    [InlineData("P1DT1S", 86_401_000)]
    [InlineData("0", 0)]
    public void Durations_in_go_and_iso_forms(string text, int milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("PT")]
    [InlineData("s5")]
    public void Bad_durations_are_refused(string text) => Assert.False(GoDuration.TryParse(text, out _));
}
