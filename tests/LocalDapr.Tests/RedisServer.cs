using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Testcontainers.Redis;

[assembly: AssemblyFixture(typeof(LocalDapr.Tests.RedisFixture))]

namespace LocalDapr.Tests;

/// <summary>
/// A real <c>redis-server</c> (Debian's package, as <c>.ci/run</c> installs it) on a free loopback port, durable the way
/// the tests need: append-only file fsynced on every write, no RDB snapshots, in a temporary directory of its own that
/// is deleted at the end. It can be stopped (SIGTERM or SIGKILL) and started again on the same port and directory.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>Enough databases for one per test harness, so tests sharing a server never see each other's keys.</summary>
    public const int Databases = 10_000;

    private static readonly List<RedisServer> Running = [];
    private readonly string _binary;
    private Process? _process;

    static RedisServer()
    {
        // A test host that dies anyway must not leave servers behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Running)
            {
                foreach (var server in Running) server.KillNow();
            }
        };
    }

    private RedisServer(string binary, int port)
    {
        _binary = binary;
        Port = port;
        Directory = System.IO.Directory.CreateTempSubdirectory("local-dapr-redis-").FullName;
        lock (Running) Running.Add(this);
    }

    public int Port { get; }

    /// <summary>The <c>redisHost</c> value: <c>127.0.0.1:port</c>.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The server's working directory (the append-only files and its log).</summary>
    public string Directory { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The <c>redis-server</c> on the PATH (or Debian's <c>/usr/bin/redis-server</c>), or null.</summary>
    public static string? FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// A free port below the kernel's ephemeral range (from 32768 by default), which is where <c>Sidecar.FreePort()</c> and
    /// every outgoing connection take theirs: a server that is started later, or restarted, on this port cannot
    /// collide with the sidecars and apps of tests running beside it.
    /// </summary>
    public static int FreePort()
    {
        var ephemeralFrom = 32_768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (range.Length > 0 && int.TryParse(range[0], System.Globalization.CultureInfo.InvariantCulture, out var from) && from > 2_048) ephemeralFrom = from;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Math.Max(1_024, ephemeralFrom - 12_000), ephemeralFrom);
            try
            {
                using var probe = new TcpListener(System.Net.IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException($"no free port below {ephemeralFrom} on 127.0.0.1");
    }

    /// <summary>Starts a server on a free port; fails with the server's own log when it does not come up.</summary>
    public static async Task<RedisServer> StartAsync(string binary)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = Create(binary, FreePort());
            try
            {
                await server.StartAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // The free port was taken in the meantime: try another one.
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>A server that is not started yet (to show a runtime that comes up before Redis does).</summary>
    public static RedisServer Create(string binary, int port) => new(binary, port);

    public async Task StartAsync()
    {
        if (IsRunning) throw new InvalidOperationException($"redis-server on port {Port} is already running");
        var start = new ProcessStartInfo(_binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        foreach (var arg in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            "--dir", Directory, "--logfile", Path.Combine(Directory, "redis.log"),
            "--databases", Databases.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--daemonize", "no", "--protected-mode", "yes",
        })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {_binary}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await PingAsync())
        {
            if (process.HasExited || timeout.IsCancellationRequested)
            {
                KillNow();
                throw new InvalidOperationException($"redis-server did not answer PING on {Endpoint} (exit: {(process.HasExited ? process.ExitCode : "none")}); its log:\n{Log()}");
            }
            await Task.Delay(10, CancellationToken.None);
        }
    }

    /// <summary>Stops the server: SIGTERM (it fsyncs and exits) or, with <paramref name="kill"/>, SIGKILL (nothing more is written).</summary>
    public async Task StopAsync(bool kill = false)
    {
        if (_process is not { } process) return;
        if (!process.HasExited)
        {
            if (kill)
            {
                process.Kill();
            }
            else
            {
                using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
                await term.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        process.Dispose();
        _process = null;
    }

    /// <summary>Stops the server and starts it again on the same port and directory (so with the same data).</summary>
    public async Task RestartAsync(bool kill = false)
    {
        await StopAsync(kill);
        await StartAsync();
    }

    /// <summary>The server's log so far (for failure messages).</summary>
    public string Log()
    {
        try
        {
            return File.ReadAllText(Path.Combine(Directory, "redis.log"));
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            // "-LOADING" while the append-only file is replayed: not ready yet.
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private void KillNow()
    {
        try
        {
            if (_process is { HasExited: false } process) process.Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(kill: true);
        lock (Running) Running.Remove(this);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// The Redis every Redis-backed test shares (one per test assembly): a local <c>redis-server</c> when the binary is
/// there, else a Testcontainers Redis when a Docker engine answers, else nothing, and then every Redis test skips
/// itself with <see cref="SkipReason"/>. Each harness gets a database of its own (<see cref="NextDatabase"/>).
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private int _database;
    private RedisContainer? _container;

    /// <summary>The local server, when the tests run against one (only then can a test stop or restart a server).</summary>
    public RedisServer? Server { get; private set; }

    public string? Binary { get; private set; }

    /// <summary>The <c>redisHost</c> of the shared Redis, or null when there is none.</summary>
    public string? Endpoint { get; private set; }

    public string? SkipReason { get; private set; }

    public Backend Backend => Backend.Redis(this);

    /// <summary>A database nobody else uses (1, 2, …).</summary>
    public int NextDatabase() => Interlocked.Increment(ref _database) % RedisServer.Databases;

    /// <summary>Skips the calling test, visibly and with the reason, when there is no Redis.</summary>
    public string RequireEndpoint()
    {
        if (Endpoint is null) Assert.Skip(SkipReason ?? "no Redis");
        return Endpoint;
    }

    /// <summary>Skips the calling test unless a local redis-server binary can be started (tests that stop and start servers).</summary>
    public string RequireBinary()
    {
        if (Binary is null) Assert.Skip($"this test starts and stops its own redis-server, and none is installed ({SkipReason ?? "Redis runs in a container here"}); install Debian's redis-server package");
        return Binary;
    }

    public async ValueTask InitializeAsync()
    {
        Binary = RedisServer.FindBinary();
        if (Binary is not null)
        {
            Server = await RedisServer.StartAsync(Binary);
            Endpoint = Server.Endpoint;
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            _container = new RedisBuilder("redis:7").WithCommand("--databases", RedisServer.Databases.ToString(System.Globalization.CultureInfo.InvariantCulture)).Build();
            await _container.StartAsync(timeout.Token);
            Endpoint = _container.GetConnectionString();
        }
        catch (Exception e)
        {
            SkipReason = $"no redis-server binary on this machine (apt-get install redis-server) and no Docker engine for Testcontainers ({e.GetType().Name}: {e.Message.Split('\n')[0].Trim()})";
            if (_container is not null) await _container.DisposeAsync();
            _container = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
        if (_container is not null) await _container.DisposeAsync();
    }
}
