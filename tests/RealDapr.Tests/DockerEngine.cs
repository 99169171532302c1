using System.Net.Sockets;
using DotNet.Testcontainers.Configurations;

namespace Mtaeda.RealDapr.Tests;

/// <summary>Whether a Docker engine answers here: the endpoint Testcontainers found (DOCKER_HOST, the socket, its
/// settings file), asked for <c>/_ping</c>. Asked once per test run.</summary>
public static class DockerEngine
{
    private static readonly Lazy<Task<string?>> Absence = new(FindAbsenceAsync);

    /// <summary>Why there is no engine, or null when one answered.</summary>
    /// <returns>The reason, for the skip message.</returns>
    public static Task<string?> WhyAbsentAsync() => Absence.Value;

    private static async Task<string?> FindAbsenceAsync()
    {
        Uri? endpoint;
        try
        {
            endpoint = TestcontainersSettings.OS.DockerEndpointAuthConfig?.Endpoint;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or TypeInitializationException)
        {
            return $"no Docker engine was found ({e.Message})";
        }
        if (endpoint is null) return "no Docker engine was found (no DOCKER_HOST, no /var/run/docker.sock, no Testcontainers setting)";
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            return await PingAsync(endpoint, timeout.Token) ? null : $"the Docker engine at {endpoint} did not answer /_ping with OK";
        }
        catch (Exception e) when (e is SocketException or HttpRequestException or IOException or OperationCanceledException)
        {
            return $"the Docker engine at {endpoint} does not answer ({e.Message})";
        }
    }

    private static async Task<bool> PingAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler();
        var address = endpoint;
        if (endpoint.Scheme == "unix")
        {
            var path = endpoint.LocalPath;
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            address = new Uri("http://docker");
        }
        else if (endpoint.Scheme is "tcp")
        {
            address = new UriBuilder(endpoint) { Scheme = "http" }.Uri;
        }
        using var http = new HttpClient(handler) { BaseAddress = address };
        var answer = await http.GetStringAsync(new Uri("/_ping", UriKind.Relative), cancellationToken);
        return answer.Trim() == "OK";
    }
}
