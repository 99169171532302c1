namespace LocalDapr.Sidecar;

/// <summary>How one sidecar runs: the flags of <c>dapr run</c> it supports.</summary>
public sealed record SidecarOptions
{
    public required string AppId { get; init; }

    /// <summary>The app's port; null when the app serves nothing (no app channel).</summary>
    public int? AppPort { get; init; }

    /// <summary><c>http</c> or <c>h2c</c> (HTTP/2 cleartext with prior knowledge; also accepted as <c>grpc</c> for gRPC proxying).</summary>
    public string AppProtocol { get; init; } = "http";

    public string AppChannelAddress { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port.</summary>
    public int HttpPort { get; init; }

    /// <summary>0 picks a free port.</summary>
    public int GrpcPort { get; init; }

    /// <summary>When set, every API call except the health endpoints must carry <c>dapr-api-token</c> with this value.</summary>
    public string? ApiToken { get; init; }

    /// <summary>When set, the sidecar sends <c>dapr-api-token</c> with this value on every call to the app.</summary>
    public string? AppApiToken { get; init; }

    public bool EnableAppHealthCheck { get; init; }

    public string AppHealthCheckPath { get; init; } = "/healthz";

    public TimeSpan AppHealthProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan AppHealthProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    public int AppHealthThreshold { get; init; } = 3;

    public IReadOnlyList<string> ResourcesPaths { get; init; } = [];

    /// <summary>The app's <c>Configuration</c> file (daprd's <c>--config</c>; the run file's <c>configFilePath</c>); null: none.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// The directory a component's relative file paths (a local file secret store's <c>secretsFile</c>) resolve against,
    /// daprd's working directory: the Dapr CLI starts each daprd of a run file in the app's <c>appDirPath</c>. Null: this
    /// process's working directory.
    /// </summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The pod name for the <c>{podName}</c> template of component metadata; daprd reads <c>POD_NAME</c>.</summary>
    public string? PodName { get; init; } = System.Environment.GetEnvironmentVariable("POD_NAME");

    /// <summary>The namespace for the <c>{namespace}</c> template; daprd reads <c>NAMESPACE</c> (default <c>default</c>).</summary>
    public string Namespace { get; init; } = System.Environment.GetEnvironmentVariable("NAMESPACE") ?? "default";

    public bool UsesHttp2 => AppProtocol is "h2c" or "grpc";
}
