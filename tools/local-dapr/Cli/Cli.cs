using System.CommandLine;
using System.Runtime.InteropServices;
using LocalDapr.Configuration;
using LocalDapr.Runner;
using LocalDapr.Sidecar;

namespace LocalDapr;

/// <summary>
/// <c>local-dapr run</c>, with the flags of <c>dapr run</c> it supports: either <c>-f dapr.yaml</c> (the multi-app run file)
/// or one app given by flags and a command after <c>--</c> (no command: the sidecar alone).
/// </summary>
public static class Cli
{
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null)
    {
        var console = new RunnerConsole(output ?? Console.Out);
        var runFile = new Option<string?>("--run-file", "-f") { Description = "Run the apps of a multi-app run file (a dapr.yaml, or a folder holding one)" };
        var appId = new Option<string?>("--app-id", "-a") { Description = "The id of the app" };
        var appPort = new Option<int?>("--app-port", "-p") { Description = "The port the app listens on" };
        var appProtocol = new Option<string>("--app-protocol", "-P") { Description = "The protocol of the app: http or h2c", DefaultValueFactory = _ => "http" };
        var appChannel = new Option<string>("--app-channel-address") { Description = "The address the app listens on", DefaultValueFactory = _ => "127.0.0.1" };
        var httpPort = new Option<int>("--dapr-http-port", "-H") { Description = "The HTTP port of the sidecar (0: a free one)" };
        var grpcPort = new Option<int>("--dapr-grpc-port", "-G") { Description = "The gRPC port of the sidecar (0: a free one)" };
        var resources = new Option<string[]>("--resources-path", "--components-path", "-d") { Description = "A folder of component files (repeatable)", AllowMultipleArgumentsPerToken = false };
        var config = new Option<string?>("--config", "-c") { Description = "The app's Configuration file (access control, secret scopes, workflow limits), as daprd's --config" };
        var healthCheck = new Option<bool>("--enable-app-health-check") { Description = "Probe the app's health path instead of its port" };
        var healthPath = new Option<string>("--app-health-check-path") { Description = "The app's health path", DefaultValueFactory = _ => "/healthz" };
        var logLevel = new Option<string>("--log-level") { Description = "debug, info, warn or error", DefaultValueFactory = _ => "info" };
        var startupTimeout = new Option<int>("--app-startup-timeout") { Description = "Seconds to wait for each app to answer", DefaultValueFactory = _ => 120 };
        var noRestart = new Option<bool>("--no-app-restart") { Description = "Do not start an app again when it crashes (by default it is, after 1 s, 2 s, 4 s ... up to 30 s); the other apps keep running either way" };
        var command = new Argument<string[]>("command") { Description = "The app's command, after --", Arity = ArgumentArity.ZeroOrMore };

        var run = new Command("run", "Run apps, each with a Dapr-compatible sidecar");
        foreach (var option in new Option[] { runFile, appId, appPort, appProtocol, appChannel, httpPort, grpcPort, resources, config, healthCheck, healthPath, logLevel, startupTimeout, noRestart })
            run.Options.Add(option);
        run.Arguments.Add(command);
        run.SetAction(async (parse, _) =>
        {
            var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
            string? Given(string name) => environment.GetValueOrDefault(name) is { Length: > 0 } value ? value : null;
            IReadOnlyList<AppSpec> apps;
            try
            {
                if (parse.GetValue(runFile) is { } file)
                {
                    apps = RunFile.Load(file, environment);
                }
                else if (parse.GetValue(appId) is { Length: > 0 } id)
                {
                    var protocol = parse.GetValue(appProtocol)!;
                    if (protocol is not ("http" or "h2c" or "grpc"))
                    {
                        console.Error($"--app-protocol {protocol} is not supported by the local runtime (use http or h2c)");
                        return 2;
                    }
                    apps =
                    [
                        new AppSpec
                        {
                            AppId = id,
                            AppDirPath = Directory.GetCurrentDirectory(),
                            Command = parse.GetValue(command) ?? [],
                            GeneratedApiToken = Given("DAPR_API_TOKEN") is null,
                            AppLogDestination = LogDestination.Console,
                            DaprdLogDestination = LogDestination.Console,
                            Sidecar = new SidecarOptions
                            {
                                AppId = id,
                                AppPort = parse.GetValue(appPort),
                                AppProtocol = protocol,
                                AppChannelAddress = parse.GetValue(appChannel)!,
                                HttpPort = parse.GetValue(httpPort),
                                GrpcPort = parse.GetValue(grpcPort),
                                ResourcesPaths = (parse.GetValue(resources) ?? []).Select(Path.GetFullPath).ToList(),
                                ConfigFile = parse.GetValue(config) is { Length: > 0 } configFile ? Path.GetFullPath(configFile) : null,
                                EnableAppHealthCheck = parse.GetValue(healthCheck),
                                AppHealthCheckPath = parse.GetValue(healthPath)!,
                                ApiToken = Given("DAPR_API_TOKEN") ?? ApiTokens.Generate(),
                                AppApiToken = Given("APP_API_TOKEN") ?? ApiTokens.Generate(),
                            },
                        },
                    ];
                }
                else
                {
                    console.Error("give a run file (-f dapr.yaml) or an app id (--app-id)");
                    return 2;
                }
            }
            catch (ConfigurationException e)
            {
                console.Error(e.Message);
                return 2;
            }

            var settings = new RunnerSettings
            {
                AppStartupTimeout = TimeSpan.FromSeconds(parse.GetValue(startupTimeout)),
                RestartApps = !parse.GetValue(noRestart),
                LogLevel = parse.GetValue(logLevel) switch
                {
                    "debug" => LogLevel.Debug,
                    "warn" => LogLevel.Warning,
                    "error" => LogLevel.Error,
                    _ => LogLevel.Information,
                },
            };
            ProcessTree.BecomeSubreaper();
            using var stop = new CancellationTokenSource();
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                if (!stop.IsCancellationRequested) console.Info($"received {context.Signal}; shutting down");
                stop.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            var code = await new AppRunner(console, settings).RunAsync(apps, stop.Token);
            // Anything an app left behind (re-parented to the runner, its subreaper) is stopped too.
            foreach (var pid in ProcessTree.Descendants(Environment.ProcessId)) ProcessTree.Signal(pid, ProcessTree.SigKill);
            return code;
        });

        var root = new RootCommand("Dapr-compatible local runtime for MTAEDA: runs apps with sidecars that speak the Dapr API, with nothing installed");
        root.Subcommands.Add(run);
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Output = output ?? Console.Out });
    }
}
