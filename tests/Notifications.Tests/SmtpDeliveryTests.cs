using System.Buffers;
using System.Net;
using System.Threading.Channels;
using Dapr.Client;
using MailKit.Security;
using MimeKit;
using Mtaeda.Notifications.Infrastructure;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Mtaeda.Notifications.Tests;

/// <summary>E-mail through MailKit to a real SMTP listener (the SmtpServer package) in the test process, on loopback.</summary>
public sealed class SmtpDeliveryTests
{
    [Fact]
    public async Task A_message_reaches_the_SMTP_server_with_its_sender_recipients_subject_and_body()
    {
        var token = TestContext.Current.CancellationToken;
        await using var smtp = await SmtpListener.StartAsync(token);
        using var dapr = new DaprClientBuilder().Build();
        var options = new NotificationsOptions { Smtp = new SmtpOptions { Host = "127.0.0.1", Port = smtp.Port, Security = SecureSocketOptions.None, From = "alerts@mtaeda.test" } };
        var sender = new EmailSender(options, new DeliverySecrets(dapr, options));

        await sender.SendAsync(["ops@example.org", "chief@example.org"], "Turnstile ts-7 jammed", "coin stuck at stn-1", "dlv-123", token);

        var received = await smtp.Messages.ReadAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), token);
        Assert.Equal("alerts@mtaeda.test", received.From.Mailboxes.Single().Address);
        Assert.Equal(["ops@example.org", "chief@example.org"], received.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("Turnstile ts-7 jammed", received.Subject);
        Assert.Equal("coin stuck at stn-1", received.TextBody?.Trim());
        Assert.Equal("dlv-123@mtaeda", received.MessageId);
    }

    [Fact]
    public async Task No_server_listening_is_an_error_worth_retrying()
    {
        var token = TestContext.Current.CancellationToken;
        using var dapr = new DaprClientBuilder().Build();
        var options = new NotificationsOptions { Smtp = new SmtpOptions { Host = "127.0.0.1", Port = LocalDapr.Sidecar.Sidecar.FreePort(), Security = SecureSocketOptions.None } };
        var sender = new EmailSender(options, new DeliverySecrets(dapr, options));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => sender.SendAsync(["ops@example.org"], "s", "b", "dlv-1", token));

        Assert.IsNotType<PermanentDeliveryException>(error);
    }
}

/// <summary>An SMTP server on a loopback port that keeps what it receives.</summary>
public sealed class SmtpListener : MessageStore, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<MimeMessage> _messages = Channel.CreateUnbounded<MimeMessage>();
    private Task _running = Task.CompletedTask;

    public int Port { get; private init; }

    public ChannelReader<MimeMessage> Messages => _messages.Reader;

    public static Task<SmtpListener> StartAsync(CancellationToken cancellationToken)
    {
        var listener = new SmtpListener { Port = LocalDapr.Sidecar.Sidecar.FreePort() };
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, listener.Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listener);
        var server = new SmtpServer.SmtpServer(options, services);
        listener._running = server.StartAsync(listener._stop.Token);
        return Task.FromResult(listener);
    }

    public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(buffer.ToArray());
        await _messages.Writer.WriteAsync(await MimeMessage.LoadAsync(stream, cancellationToken), cancellationToken);
        return SmtpResponse.Ok;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
