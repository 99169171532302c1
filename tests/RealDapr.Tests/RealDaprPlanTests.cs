using Mtaeda.Testing;

namespace Mtaeda.RealDapr.Tests;

/// <summary>The plan of a real-daprd run, read from dapr.cli.yaml: no Docker needed.</summary>
public sealed class RealDaprPlanTests
{
    private static RealDaprPlan Plan(Broker broker) => RealDaprPlan.Read(Repository.Root, "dapr.cli.yaml", broker, RealDaprSystem.AppIds);

    [Theory]
    [InlineData(Broker.Redis, "components/redis")]
    [InlineData(Broker.Kafka, "components/kafka")]
    public void The_run_files_shared_folder_is_kept_and_its_set_is_the_brokers(Broker broker, string set)
    {
        var plan = Plan(broker);

        Assert.Equal(["components/common", set], plan.ResourceFolders.Select(f => f.Replace('\\', '/')));
        Assert.Equal(RealDaprSystem.AppIds, plan.Apps.Select(a => a.AppId));
    }

    [Theory]
    [InlineData(Broker.Redis)]
    [InlineData(Broker.Kafka)]
    public void Every_envRef_of_the_sets_components_is_given_to_daprd(Broker broker)
    {
        var plan = Plan(broker);
        var env = plan.SidecarEnvironment(new BrokerEndpoints("redis:6379", "kafka:19092", "host=postgres"), new string('a', 64));

        Assert.NotEmpty(plan.EnvRefs(Repository.Root));
        Assert.Subset(env.Keys.ToHashSet(), plan.EnvRefs(Repository.Root).ToHashSet());
    }

    [Fact]
    public void A_set_without_its_broker_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Plan(Broker.Kafka).SidecarEnvironment(new BrokerEndpoints(Redis: "redis:6379"), new string('a', 64)));
        Assert.Throws<ArgumentException>(() => Plan(Broker.Redis).SidecarEnvironment(new BrokerEndpoints(KafkaBrokers: "kafka:19092"), new string('a', 64)));
    }

    [Fact]
    public void Daprd_gets_the_run_files_app_settings_the_mounted_folders_and_the_control_plane()
    {
        var plan = Plan(Broker.Kafka);
        var equipment = plan.Apps.Single(a => a.AppId == "equipment");

        var args = plan.DaprdArguments(equipment, 41234);

        string Flag(string name) => args[args.ToList().IndexOf(name) + 1];
        Assert.Equal(("equipment", "41234", "h2c", RealDaprPlan.HostAlias), (Flag("--app-id"), Flag("--app-port"), Flag("--app-protocol"), Flag("--app-channel-address")));
        Assert.Equal((RealDaprPlan.Placement, RealDaprPlan.Scheduler), (Flag("--placement-host-address"), Flag("--scheduler-host-address")));
        Assert.Equal(["/mtaeda/components/common", "/mtaeda/components/kafka"], args.Select((a, i) => (a, i)).Where(x => x.a == "--resources-path").Select(x => args[x.i + 1]));
        // dapr.cli.yaml turns the app health check on: daprd's flags, as the CLI passes them.
        Assert.Contains("--enable-app-health-check", args);
        Assert.Equal("/healthz", Flag("--app-health-check-path"));
        Assert.Equal(RealDaprPlan.Scheduler, RealDaprPlan.SchedulerArguments[RealDaprPlan.SchedulerArguments.ToList().IndexOf("--override-broadcast-host-port") + 1]);
    }

    [Fact]
    public void An_app_gets_the_run_files_environment_its_port_on_every_address_and_its_sidecars_published_ports()
    {
        var plan = Plan(Broker.Redis);
        var stations = plan.Apps.Single(a => a.AppId == "stations");

        var env = plan.AppEnvironment(stations, 41000, 32768, 32769);

        Assert.Equal("Development", env["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal(("41000", "*", "32768", "32769"), (env["APP_PORT"], env["APP_LISTEN_ADDRESS"], env["DAPR_HTTP_PORT"], env["DAPR_GRPC_PORT"]));
        Assert.Equal(["dotnet", "run", "--no-build", "--no-launch-profile"], stations.Command);
        Assert.Equal("services/stations", stations.AppDirPath);
    }

    [Fact]
    public void An_app_the_run_file_lacks_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => RealDaprPlan.Read(Repository.Root, "dapr.cli.yaml", Broker.Redis, ["stations", "no-such-app"]));
        Assert.Contains("no-such-app", e.Message);
    }
}
