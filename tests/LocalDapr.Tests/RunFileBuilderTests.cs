using LocalDapr.Runner;

namespace LocalDapr.Tests;

/// <summary>The run files the end-to-end tests and tools/bench write (<see cref="RunFileBuilder"/>) read by the runner as meant.</summary>
public sealed class RunFileBuilderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-runfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Apps_ports_commands_and_environment_are_read_back_as_written()
    {
        var root = Repository.Root;
        var memory = Path.Combine(root, "components", "memory");
        var common = Path.Combine(root, "components", "common");
        var file = new RunFileBuilder(root, "Release") { AppLogDestination = "file" }
            .Resources(common, memory)
            .Env("GATEWAY_DEVICE_PORT", "5443")
            .Env("Hub__Authority", "http://127.0.0.1:5110/")
            .Env("Odd", "a \"quoted\": value # not a comment")
            .App("stations", (7001, 7002, 7003))
            .App("equipment", (7011, 7012, 7013), dll => ["sh", "-c", $"exec dotnet '{dll}'"])
            .App("dashboard", (7021, 7022, 7023), env: new Dictionary<string, string> { ["Hub__Url"] = "http://localhost:5117/hubs/operations", ["Odd"] = "the dashboard's own" })
            .App("simulator", (7031, 7032, 7033))
            .Sidecar("observer", _dir, 7042, 7043, 7041, "http");
        var path = Path.Combine(_dir, "dapr.yaml");
        File.WriteAllText(path, file.ToString());

        var apps = RunFile.Load(path, new Dictionary<string, string>()).ToDictionary(a => a.AppId);

        Assert.Equal(["stations", "equipment", "dashboard", "simulator", "observer"], apps.Keys);
        var stations = apps["stations"];
        Assert.Equal(Path.Combine(root, "services", "stations"), stations.AppDirPath);
        Assert.Equal(["dotnet", Path.Combine(root, "services", "stations", "bin", "Release", "net10.0", "Mtaeda.Stations.dll")], stations.Command);
        Assert.Equal((7001, 7002, 7003), (stations.Sidecar.AppPort, stations.Sidecar.HttpPort, stations.Sidecar.GrpcPort));
        Assert.Equal("h2c", stations.Sidecar.AppProtocol);
        Assert.Equal([common, memory], stations.Sidecar.ResourcesPaths);
        Assert.Equal(LogDestination.File, stations.AppLogDestination);
        Assert.Equal("5443", stations.Env["GATEWAY_DEVICE_PORT"]);
        Assert.Equal("http://127.0.0.1:5110/", stations.Env["Hub__Authority"]);
        Assert.Equal("a \"quoted\": value # not a comment", stations.Env["Odd"]);
        Assert.Equal(["sh", "-c", $"exec dotnet '{Path.Combine(root, "services", "equipment", "bin", "Release", "net10.0", "Mtaeda.Equipment.dll")}'"], apps["equipment"].Command);
        Assert.Equal(Path.Combine(root, "dashboard-ui"), apps["dashboard"].AppDirPath);
        Assert.Equal("http", apps["dashboard"].Sidecar.AppProtocol);
        Assert.EndsWith("Mtaeda.Dashboard.dll", apps["dashboard"].Command[1], StringComparison.Ordinal);
        // An app's own variables: beside the common ones, and over them where both name one; no other app has them.
        Assert.Equal("http://localhost:5117/hubs/operations", apps["dashboard"].Env["Hub__Url"]);
        Assert.Equal("the dashboard's own", apps["dashboard"].Env["Odd"]);
        Assert.Equal("5443", apps["dashboard"].Env["GATEWAY_DEVICE_PORT"]);
        Assert.False(stations.Env.ContainsKey("Hub__Url"));
        var simulator = apps["simulator"];
        Assert.Equal(Path.Combine(root, "tools", "simulator"), simulator.AppDirPath);
        Assert.Empty(simulator.Command);
        Assert.Null(simulator.Sidecar.AppPort);
        Assert.Equal((7032, 7033), (simulator.Sidecar.HttpPort, simulator.Sidecar.GrpcPort));
        var observer = apps["observer"];
        Assert.Equal((7041, 7042, 7043), (observer.Sidecar.AppPort, observer.Sidecar.HttpPort, observer.Sidecar.GrpcPort));
        Assert.Equal("http", observer.Sidecar.AppProtocol);
        Assert.Empty(observer.Command);
    }
}
