using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Mtaeda.DevMail;

/// <summary>
/// The development mail sink: an SMTP server (the SmtpServer package) on the given addresses that accepts every message and
/// writes it, as received, to <c>{directory}/{time}-{id}.eml</c> (written whole, then renamed, so a reader never sees half a
/// message), and writes one line per message to <paramref name="log"/>: the envelope's recipients and the subject, never the
/// body (it may hold a passenger's personal data). For development only: no authentication, no TLS, nothing relayed.
/// </summary>
/// <param name="directory">Where the messages go (made when missing).</param>
/// <param name="log">Where the one-line notes go.</param>
public sealed class MailSink(string directory, TextWriter log) : MessageStore
{
    /// <summary>The directory the messages are written to (absolute).</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Runs the SMTP server until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="endpoints">The addresses and port to listen on.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    /// <returns>A task that completes when the server has stopped.</returns>
    public Task RunAsync(IReadOnlyList<IPEndPoint> endpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        System.IO.Directory.CreateDirectory(Directory);
        var builder = new SmtpServerOptionsBuilder().ServerName("localhost");
        foreach (var endpoint in endpoints) builder.Endpoint(e => e.Endpoint(endpoint));
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(this);
        return new SmtpServer.SmtpServer(builder.Build(), services).StartAsync(cancellationToken);
    }

    /// <summary>The loopback addresses of this machine on <paramref name="port"/>: 127.0.0.1, and ::1 where IPv6 is on (so "localhost" reaches it either way).</summary>
    /// <param name="port">The port.</param>
    /// <returns>The endpoints.</returns>
    public static IReadOnlyList<IPEndPoint> Loopback(int port) =>
        Socket.OSSupportsIPv6 ? [new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.IPv6Loopback, port)] : [new IPEndPoint(IPAddress.Loopback, port)];

    /// <inheritdoc />
    public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var bytes = buffer.ToArray();
        string subject;
        using (var stream = new MemoryStream(bytes, writable: false))
        {
            subject = (await MimeMessage.LoadAsync(stream, cancellationToken)).Subject ?? "";
        }

        var name = $"{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(Directory, name);
        var partial = path + ".partial";
        await File.WriteAllBytesAsync(partial, bytes, cancellationToken);
        File.Move(partial, path);
        var to = string.Join(", ", transaction.To.Select(m => $"{m.User}@{m.Host}"));
        await log.WriteLineAsync($"mail to {to}: \"{subject}\" ({name})".AsMemory(), cancellationToken);
        await log.FlushAsync(cancellationToken);
        return SmtpResponse.Ok;
    }
}
