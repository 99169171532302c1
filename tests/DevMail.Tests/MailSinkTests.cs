using System.Net.Sockets;
using Dapr.Client;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Configuration;
using MimeKit;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Notifications.Handlers;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;

namespace Mtaeda.DevMail.Tests;

/// <summary>
/// The development mail sink receives what notifications e-mails in development: a passenger's notification, sent by
/// notifications' own handler with its development SMTP settings (services/notifications/appsettings.Development.json), is
/// written as an .eml file and logged as one line without its body; the run files start the sink where those settings point.
/// </summary>
public sealed class MailSinkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mtaeda-dev-mail-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_passenger_notification_e_mailed_by_notifications_is_written_as_an_eml_file_and_logged_without_its_body()
    {
        var port = LocalDapr.Sidecar.Sidecar.FreePort();
        var log = new StringWriter();
        var sink = new MailSink(Path.Combine(_dir, "mail"), TextWriter.Synchronized(log));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = sink.RunAsync(MailSink.Loopback(port), stop.Token);
        await Eventually.UntilAsync(async () =>
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync("localhost", port, Ct);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "the sink to listen", Eventually.DefaultTimeout, Ct);

        // Notifications' development settings, on this test's port.
        var options = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Repository.Root, "services", "notifications", "appsettings.Development.json"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Notifications:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            .Build().GetSection("Notifications").Get<NotificationsOptions>()!;
        Assert.Equal("localhost", options.Smtp.Host);
        using var dapr = new DaprClientBuilder().Build();
        var handler = new PassengerNotificationRequestedHandler(new EmailSender(options, new DeliverySecrets(dapr, options)));
        await handler.HandleAsync(new PassengerNotificationRequested
        {
            NotificationId = "p-9.2", PassengerId = "p-9", Kind = PassengerNotificationKind.TopUp, Email = "rider9@example.org",
            Subject = "Your card was topped up", Body = "15.00 was added to your transit card. Your balance is 27.50.",
            OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        }, new IntegrationEventContext("evt-1", "passengers"), Ct);

        await Eventually.UntilAsync(() => Directory.GetFiles(sink.Directory, "*.eml").Length == 1, "the message written", Eventually.DefaultTimeout, Ct);
        var file = Assert.Single(Directory.GetFiles(sink.Directory));
        using var message = await MimeMessage.LoadAsync(file, Ct);
        Assert.Equal(("rider9@example.org", "Your card was topped up", "p-9.2@mtaeda"), (message.To.Mailboxes.Single().Address, message.Subject, message.MessageId));
        Assert.Contains("15.00 was added", message.TextBody, StringComparison.Ordinal);

        var line = Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("rider9@example.org", line, StringComparison.Ordinal);
        Assert.Contains("Your card was topped up", line, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(file), line, StringComparison.Ordinal);
        Assert.DoesNotContain("15.00", line, StringComparison.Ordinal);
        Assert.DoesNotContain("27.50", line, StringComparison.Ordinal);

        await stop.CancelAsync();
        await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    [Fact]
    public void Both_run_files_start_the_sink_on_the_port_notifications_sends_to_in_development()
    {
        var development = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Repository.Root, "services", "notifications", "appsettings.Development.json")).Build();
        var port = development["Notifications:Smtp:Port"];
        foreach (var runFile in new[] { "dapr.yaml", "dapr.cli.yaml" })
        {
            var apps = LocalDapr.Runner.RunFile.Load(Path.Combine(Repository.Root, runFile), new Dictionary<string, string>());
            var sink = Assert.Single(apps, a => a.AppId == "dev-mail");
            Assert.Equal(Path.Combine(Repository.Root, "tools", "dev-mail"), Path.TrimEndingDirectorySeparator(Path.GetFullPath(sink.AppDirPath)));
            Assert.Contains($"--port {port}", string.Join(' ', sink.Command), StringComparison.Ordinal);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
