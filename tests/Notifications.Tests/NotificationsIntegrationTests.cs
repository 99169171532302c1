using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MailKit.Security;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;
using MimeKit;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Notifications.Api;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;
using StandardWebhooks;
using NotificationsClient = Mtaeda.Contracts.Notifications.V1.Notifications.NotificationsClient;

namespace Mtaeda.Notifications.Tests;

/// <summary>
/// The notifications service in the test process on the local runtime, with a token issuer, an SMTP server, a webhook
/// receiver, a file secret store and the hub's fan-out component: events in, alerts pushed to hub clients, deliveries logged.
/// </summary>
public sealed class NotificationsFixture : IAsyncLifetime
{
    private readonly string[] _delivery;
    private readonly bool _replica;

    /// <summary>Two replicas, quick retries (three attempts, 50 ms apart).</summary>
    public NotificationsFixture()
        : this(true, ["--Notifications:Delivery:MaxAttempts=3", "--Notifications:Delivery:FirstRetryDelay=00:00:00.050"])
    {
    }

    private NotificationsFixture(bool replica, string[] delivery)
    {
        _replica = replica;
        _delivery = delivery;
    }

    /// <summary>A fixture with other delivery settings (xunit's class fixture has the one public constructor).</summary>
    /// <param name="replica">Whether to start a second replica.</param>
    /// <param name="delivery">The delivery settings, as command-line arguments.</param>
    /// <returns>The fixture, to initialize.</returns>
    public static NotificationsFixture With(bool replica, params string[] delivery) => new(replica, delivery);

    public static readonly string WebhookSecret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public LocalRuntime Runtime { get; private set; } = null!;

    public AppNode Node { get; private set; } = null!;

    public TestIssuer Issuer { get; private set; } = null!;

    public SmtpListener Smtp { get; private set; } = null!;

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public int HubPort { get; } = LocalDapr.Sidecar.Sidecar.FreePort();

    /// <summary>A second replica of notifications (same app id), with a hub of its own.</summary>
    public AppNode Replica { get; private set; } = null!;

    public int ReplicaHubPort { get; } = LocalDapr.Sidecar.Sidecar.FreePort();

    public NotificationsClient Client { get; private set; } = null!;

    /// <summary>Records the <c>notifications</c> topic.</summary>
    public Observer Events { get; private set; } = null!;

    public string HubUrl => $"http://127.0.0.1:{HubPort}{Infrastructure.HubOptions.Path}";

    public async ValueTask InitializeAsync()
    {
        var token = TestContext.Current.CancellationToken;
        Issuer = await TestIssuer.StartAsync(token);
        Smtp = await SmtpListener.StartAsync(token);
        Webhooks = await WebhookReceiver.StartAsync(token);
        Runtime = LocalRuntime.Create();
        // The signing secrets live in a file made for this run, read through a Dapr secret store (never in the repository).
        var secrets = Path.Combine(Runtime.Resources, "secrets.json");
        await File.WriteAllTextAsync(secrets, $$"""{ "ops-hook": "{{WebhookSecret}}" }""", token);
        await File.WriteAllTextAsync(Path.Combine(Runtime.Resources, "notifications.yaml"), $$"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: secretstore
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
              - name: secretsFile
                value: "{{secrets}}"
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: hubfanout
            spec:
              type: pubsub.in-memory
              version: v1
              metadata:
              - name: consumerID
                value: "{uuid}"
            """, token);
        Node = await StartReplicaAsync(HubPort, token);
        if (_replica) Replica = await StartReplicaAsync(ReplicaHubPort, token);
        // The tests act as a supervisor (the API judges every call, ADR 0009).
        Client = new NotificationsClient(Issuer.As(Node.Invoker("notifications"), "supervisor", sub: "Sam Supervisor"));
        Events = await Runtime.ObserveAsync("observer", [Topics.Notifications], token);
    }

    /// <summary>Stops the first replica (the app and its sidecar; what the process held in memory is gone) and starts it again.</summary>
    /// <param name="token">Cancels.</param>
    /// <returns>When it is back.</returns>
    public async Task RestartAsync(CancellationToken token)
    {
        await Node.DisposeAsync();
        Node = await StartReplicaAsync(HubPort, token);
        Client = new NotificationsClient(Issuer.As(Node.Invoker("notifications"), "supervisor", sub: "Sam Supervisor"));
    }

    public Task<AppNode> StartReplicaAsync(int hubPort, CancellationToken token)
    {
        var build = ServiceApp.Of(typeof(NotificationsExtensions).Assembly, builder => builder.AddNotifications(), app => app.MapNotificationsApi().MapNotificationsEventHandlers());
        return Runtime.StartAsync("notifications", args => build([.. args,
            $"--{Infrastructure.HubOptions.PortVariable}={hubPort}",
            $"--Hub:Authority={Issuer.Authority}",
            "--Hub:RequireHttpsMetadata=false",
            "--Notifications:Smtp:Host=127.0.0.1",
            $"--Notifications:Smtp:Port={Smtp.Port}",
            $"--Notifications:Smtp:Security={SecureSocketOptions.None}",
            "--Notifications:Delivery:UseJitter=false",
            "--Notifications:Delivery:AttemptTimeout=00:00:01",
            .. _delivery,
        ]), token);
    }

    public async Task<(HubConnection Connection, ChannelReader<AlertMessage> Alerts, ChannelReader<AlertAcknowledgedMessage> Acknowledged)> ConnectAsync(string accessToken, CancellationToken cancellationToken, int? hubPort = null)
    {
        var alerts = Channel.CreateUnbounded<AlertMessage>();
        var acknowledged = Channel.CreateUnbounded<AlertAcknowledgedMessage>();
        var connection = new HubConnectionBuilder()
            .WithUrl(hubPort is { } port ? $"http://127.0.0.1:{port}{Infrastructure.HubOptions.Path}" : HubUrl, options => options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken))
            .Build();
        connection.On<AlertMessage>(OperationsHub.AlertMethod, alert => alerts.Writer.TryWrite(alert));
        connection.On<AlertAcknowledgedMessage>(OperationsHub.AlertAcknowledgedMethod, ack => acknowledged.Writer.TryWrite(ack));
        await connection.StartAsync(cancellationToken);
        return (connection, alerts.Reader, acknowledged.Reader);
    }

    public Task PublishAsync(Google.Protobuf.IMessage message, CancellationToken cancellationToken) =>
        Node.Client.PublishIntegrationEventAsync(Topics.Of(message), message, null, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        await Webhooks.DisposeAsync();
        await Smtp.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}

public sealed class NotificationsIntegrationTests(NotificationsFixture fixture) : IClassFixture<NotificationsFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static Timestamp Now => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_hub_connection_without_a_valid_identity_is_refused()
    {
        var token = TestContext.Current.CancellationToken;
        var otherKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" };
        var refused = new (string What, string Token, HttpStatusCode Status)[]
        {
            ("no token", "", HttpStatusCode.Unauthorized),
            ("not a token", "garbage", HttpStatusCode.Unauthorized),
            ("another audience", fixture.Issuer.Token("supervisor", "*", audience: "someone-else"), HttpStatusCode.Unauthorized),
            ("signed by another key", fixture.Issuer.Token("supervisor", "*", signedWith: otherKey), HttpStatusCode.Unauthorized),
            ("an unknown role", fixture.Issuer.Token("admin", "*"), HttpStatusCode.Forbidden),
            ("no stations", fixture.Issuer.Token("supervisor", ""), HttpStatusCode.Forbidden),
        };
        foreach (var (what, accessToken, status) in refused)
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => fixture.ConnectAsync(accessToken, token));
            Assert.True(error.StatusCode == status, $"{what}: {error.StatusCode}");
        }

        // The hub's port serves the hub alone.
        using var http = new HttpClient();
        using var response = await http.GetAsync($"http://127.0.0.1:{fixture.HubPort}/healthz", token);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_jammed_turnstile_is_pushed_to_the_users_allowed_to_see_it_and_kept_until_acknowledged()
    {
        var token = TestContext.Current.CancellationToken;
        var (supervisor, supervisorAlerts, supervisorAcks) = await fixture.ConnectAsync(fixture.Issuer.Token("supervisor", "*"), token);
        var (elsewhere, elsewhereAlerts, _) = await fixture.ConnectAsync(fixture.Issuer.Token("technician", "stn-other"), token);
        var (viewer, viewerAlerts, viewerAcks) = await fixture.ConnectAsync(fixture.Issuer.Token("viewer", "stn-jam"), token);
        await using var _1 = supervisor;
        await using var _2 = elsewhere;
        await using var _3 = viewer;

        await fixture.PublishAsync(new WorkOrderEscalated { RequestId = "r-1", WorkOrderId = "wo-1", DeviceId = "ts-9", StationId = "stn-jam", Priority = MaintenancePriority.High, Level = 1, EscalatedAt = Now }, token);
        await fixture.PublishAsync(new TurnstileLocked { TurnstileId = "ts-9", StationId = "stn-jam", Kind = FaultKind.Jammed, Reason = "coin stuck", LockedAt = Now }, token);

        // The two events travel on different topics: they may arrive in either order.
        var two = new[] { await supervisorAlerts.ReadAsync(token).AsTask().WaitAsync(Wait, token), await supervisorAlerts.ReadAsync(token).AsTask().WaitAsync(Wait, token) };
        Assert.Single(two, a => a.Kind == "NOTIFICATION_EVENT_KIND_WORK_ORDER_ESCALATED");
        var jam = Assert.Single(two, a => a.Kind == "NOTIFICATION_EVENT_KIND_TURNSTILE_LOCKED");
        Assert.Equal(("stn-jam", "ts-9", "MAINTENANCE_PRIORITY_HIGH", "Turnstile ts-9 jammed", "coin stuck"), (jam.StationId, jam.DeviceId, jam.Priority, jam.Title, jam.Text));

        Assert.Equal(jam.Id, (await viewerAlerts.ReadAsync(token).AsTask().WaitAsync(Wait, token)).Id);

        var kept = await fixture.Client.ListAlertsAsync(new ListAlertsRequest { StationId = "stn-jam", Unacknowledged = true }, cancellationToken: token);
        Assert.Contains(kept.Alerts, a => a.Id == jam.Id);
        // Paged (AIP-158): the station's two alerts, one page each, each once, and no token after the last page.
        var page1 = await fixture.Client.ListAlertsAsync(new ListAlertsRequest { StationId = "stn-jam", PageSize = 1 }, cancellationToken: token);
        var page2 = await fixture.Client.ListAlertsAsync(new ListAlertsRequest { StationId = "stn-jam", PageSize = 1, PageToken = page1.NextPageToken }, cancellationToken: token);
        Assert.Equal([NotificationEventKind.TurnstileLocked, NotificationEventKind.WorkOrderEscalated], page1.Alerts.Concat(page2.Alerts).Select(a => a.Kind).Order());
        Assert.Equal("", page2.NextPageToken);

        // A viewer reads but may not acknowledge: notifications itself refuses.
        var asViewer = new Mtaeda.Contracts.Notifications.V1.Notifications.NotificationsClient(fixture.Issuer.As(fixture.Node.Invoker("notifications"), "viewer"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => asViewer.AcknowledgeAlertAsync(new AcknowledgeAlertRequest { AlertId = jam.Id, AcknowledgedBy = "Val Viewer" }, cancellationToken: token).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        var acknowledged = await fixture.Client.AcknowledgeAlertAsync(new AcknowledgeAlertRequest { AlertId = jam.Id, AcknowledgedBy = "Sam Supervisor" }, cancellationToken: token);
        Assert.Equal("Sam Supervisor", acknowledged.AcknowledgedBy);
        var pushed = await supervisorAcks.ReadAsync(token).AsTask().WaitAsync(Wait, token);
        Assert.Equal((jam.Id, "Sam Supervisor"), (pushed.Id, pushed.AcknowledgedBy));

        // The viewer of the station saw the jam and its acknowledgement (pushed after both alerts, so a connection receives
        // it after any push of the escalation), and not the escalation; the technician of another station saw nothing.
        Assert.Equal(jam.Id, (await viewerAcks.ReadAsync(token).AsTask().WaitAsync(Wait, token)).Id);
        Assert.False(viewerAlerts.TryRead(out var extra), $"the viewer received {extra?.Kind}");
        Assert.False(elsewhereAlerts.TryRead(out var other), $"another station's technician received {other?.Kind}");
        var again = await fixture.Client.AcknowledgeAlertAsync(new AcknowledgeAlertRequest { AlertId = jam.Id, AcknowledgedBy = "Someone Else" }, cancellationToken: token);
        Assert.Equal(("Sam Supervisor", acknowledged.AcknowledgedAt), (again.AcknowledgedBy, again.AcknowledgedAt));
        var open = await fixture.Client.ListAlertsAsync(new ListAlertsRequest { StationId = "stn-jam", Unacknowledged = true }, cancellationToken: token);
        Assert.DoesNotContain(open.Alerts, a => a.Id == jam.Id);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.AcknowledgeAlertAsync(new AcknowledgeAlertRequest { AlertId = "alr-none", AcknowledgedBy = "x" }, cancellationToken: token).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Users_acknowledging_one_alert_at_once_all_get_the_one_acknowledgement_that_was_kept()
    {
        var token = TestContext.Current.CancellationToken;
        var (supervisor, alerts, acks) = await fixture.ConnectAsync(fixture.Issuer.Token("supervisor", "stn-race"), token);
        await using var _ = supervisor;
        await fixture.PublishAsync(new TurnstileLocked { TurnstileId = "ts-race", StationId = "stn-race", Kind = FaultKind.Jammed, Reason = "ticket stuck", LockedAt = Now }, token);
        var alert = await alerts.ReadAsync(token).AsTask().WaitAsync(Wait, token);

        // Eight supervisors at once, through both replicas: each read-decide-write is guarded by the alert's ETag.
        var users = Enumerable.Range(1, 8).Select(i => $"Supervisor {i}").ToArray();
        var answers = await Task.WhenAll(users.Select((user, i) =>
            new NotificationsClient(fixture.Issuer.As((i % 2 == 0 ? fixture.Node : fixture.Replica).Invoker("notifications"), "supervisor", sub: user))
                .AcknowledgeAlertAsync(new AcknowledgeAlertRequest { AlertId = alert.Id, AcknowledgedBy = user }, cancellationToken: token).ResponseAsync));

        var kept = Assert.Single(answers.Select(a => (a.AcknowledgedBy, a.AcknowledgedAt)).Distinct());
        Assert.Contains(kept.AcknowledgedBy, users);
        var pushed = await acks.ReadAsync(token).AsTask().WaitAsync(Wait, token);
        Assert.Equal((alert.Id, kept.AcknowledgedBy), (pushed.Id, pushed.AcknowledgedBy));
    }

    [Fact]
    public async Task Every_replica_pushes_every_alert_whichever_replica_handled_the_event()
    {
        var token = TestContext.Current.CancellationToken;
        var (first, firstAlerts, _) = await fixture.ConnectAsync(fixture.Issuer.Token("supervisor", "stn-scale"), token);
        var (second, secondAlerts, _) = await fixture.ConnectAsync(fixture.Issuer.Token("supervisor", "stn-scale"), token, fixture.ReplicaHubPort);
        await using var _1 = first;
        await using var _2 = second;

        // On "pubsub" the two replicas share one consumer group: each event is handled by one of them. The fan-out
        // component's consumer id is {uuid}: both receive each push, so both connections see all six alerts.
        var devices = Enumerable.Range(1, 6).Select(n => $"ts-scale-{n}").ToList();
        foreach (var device in devices)
        {
            await fixture.PublishAsync(new TurnstileLocked { TurnstileId = device, StationId = "stn-scale", Kind = FaultKind.Locked, Reason = "tamper", LockedAt = Now }, token);
        }

        foreach (var alerts in new[] { firstAlerts, secondAlerts })
        {
            var seen = new List<string>();
            while (seen.Count < devices.Count) seen.Add((await alerts.ReadAsync(token).AsTask().WaitAsync(Wait, token)).DeviceId);
            Assert.Equal(devices, seen.Order(StringComparer.Ordinal));
        }
        var kept = await fixture.Client.ListAlertsAsync(new ListAlertsRequest { StationId = "stn-scale" }, cancellationToken: token);
        Assert.Equal(devices, kept.Alerts.Select(a => a.DeviceId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_delivery_left_pending_when_a_process_stopped_is_sent_by_the_next_one_to_start()
    {
        var token = TestContext.Current.CancellationToken;
        var alert = new Alert { Id = "alr-left", Kind = NotificationEventKind.TurnstileLocked, StationId = "stn-left", DeviceId = "ts-left", OccurredAt = Now };
        var configuration = ConfigurationRulesTests.Valid();
        configuration.ConfigurationId = "cfg-left";
        var delivery = new Delivery
        {
            DeliveryId = "dlv-left", ConfigurationId = "cfg-left", Channel = ChannelKind.Email, Target = "ops@example.org", AlertId = alert.Id,
            EventKind = alert.Kind, Status = Contracts.Notifications.V1.DeliveryStatus.Pending, CreatedAt = Now,
        };
        // Logged PENDING, as a handler logs it before queueing it, by a process that then stopped.
        var log = new Infrastructure.DeliveryLog(fixture.Node.Client, new Infrastructure.NotificationsOptions());
        Assert.True(await log.TryAddAsync(new Infrastructure.StoredDelivery(IntegrationEvents.ToJson(delivery), "left behind", "sent after a restart",
            IntegrationEvents.ToJson(alert), IntegrationEvents.ToJson(configuration)), token));

        await using var started = await fixture.StartReplicaAsync(LocalDapr.Sidecar.Sidecar.FreePort(), token);

        var mail = await fixture.Smtp.Messages.ReadAsync(token).AsTask().WaitAsync(Wait, token);
        Assert.Equal("left behind", mail.Subject);
        var sent = await Eventually.MatchesAsync(() => Deliveries("cfg-left", Contracts.Notifications.V1.DeliveryStatus.Sent, token), d => d.Count == 1, Wait, token, "the delivery logged SENT");
        Assert.Equal(1, sent[0].Attempts);
    }

    [Fact]
    public async Task A_template_naming_an_unknown_field_is_refused_when_saved()
    {
        var token = TestContext.Current.CancellationToken;
        var configuration = ConfigurationRulesTests.Valid();
        configuration.ConfigurationId = "cfg-bad-template";
        configuration.Template.Body = "{title} for {passenger_name}";

        var refused = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = configuration }, cancellationToken: token).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("configuration.template.body", Assert.Single(Errors.FieldViolationsOf(refused)).Field);
        var all = await fixture.Client.ListNotificationConfigurationsAsync(new ListNotificationConfigurationsRequest(), cancellationToken: token);
        Assert.DoesNotContain(all.Configurations, c => c.ConfigurationId == "cfg-bad-template");
    }

    [Fact]
    public async Task Configurations_are_created_changed_and_removed()
    {
        var token = TestContext.Current.CancellationToken;
        var configuration = ConfigurationRulesTests.Valid();
        configuration.ConfigurationId = "cfg-crud";

        var created = await fixture.Client.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = configuration }, cancellationToken: token);
        var repeated = await fixture.Client.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = configuration }, cancellationToken: token);
        Assert.Equal(created, repeated);
        configuration.Name = "changed";
        var clash = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = configuration }, cancellationToken: token).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, clash.StatusCode);

        var changed = await fixture.Client.UpdateNotificationConfigurationAsync(new UpdateNotificationConfigurationRequest { Configuration = configuration }, cancellationToken: token);
        Assert.Equal(("changed", created.CreatedAt), (changed.Name, changed.CreatedAt));
        Assert.Equal("changed", (await fixture.Client.GetNotificationConfigurationAsync(new GetNotificationConfigurationRequest { ConfigurationId = "cfg-crud" }, cancellationToken: token)).Name);

        await fixture.Client.DeleteNotificationConfigurationAsync(new DeleteNotificationConfigurationRequest { ConfigurationId = "cfg-crud" }, cancellationToken: token);
        await fixture.Client.DeleteNotificationConfigurationAsync(new DeleteNotificationConfigurationRequest { ConfigurationId = "cfg-crud" }, cancellationToken: token);
        var gone = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetNotificationConfigurationAsync(new GetNotificationConfigurationRequest { ConfigurationId = "cfg-crud" }, cancellationToken: token).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateNotificationConfigurationAsync(new UpdateNotificationConfigurationRequest { Configuration = configuration }, cancellationToken: token).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        // Each change, and only a change, was published with the configuration as subject.
        var events = await fixture.Events.WaitUntilAsync(e => e.Count(x => x.Subject == "cfg-crud") >= 3, "the configuration's events", Wait, token);
        Assert.Equal(
            ["mtaeda.notifications.v1.NotificationConfigurationCreated", "mtaeda.notifications.v1.NotificationConfigurationChanged", "mtaeda.notifications.v1.NotificationConfigurationRemoved"],
            events.Where(x => x.Subject == "cfg-crud").Select(x => x.Type));
    }

    [Fact]
    public async Task Deliveries_are_retried_logged_and_a_receiver_that_never_answers_blocks_no_other()
    {
        var token = TestContext.Current.CancellationToken;
        fixture.Webhooks.Behaviour["/flaky"] = call => call <= 2 ? 503 : 200;
        fixture.Webhooks.Behaviour["/stuck"] = _ => 0;
        await Create("cfg-flaky", "/flaky", email: false);
        await Create("cfg-stuck", "/stuck", email: true);

        await fixture.PublishAsync(new TurnstileFaulted { TurnstileId = "ts-1", StationId = "stn-deliver", Kind = FaultKind.Malfunction, Reason = "reader dead", FaultedAt = Now }, token);

        // The e-mail of the configuration whose webhook never answers arrives while that webhook is still being tried.
        var mail = await fixture.Smtp.Messages.ReadAsync(token).AsTask().WaitAsync(Wait, token);
        Assert.Equal("[medium] Turnstile ts-1 malfunctioned", mail.Subject);
        var stuck = await Deliveries("cfg-stuck", Contracts.Notifications.V1.DeliveryStatus.Unspecified, token);
        Assert.Equal(Contracts.Notifications.V1.DeliveryStatus.Pending, stuck.Single(d => d.Channel == ChannelKind.Webhook).Status);

        var flaky = await Eventually.MatchesAsync(() => Deliveries("cfg-flaky", Contracts.Notifications.V1.DeliveryStatus.Sent, token), d => d.Count == 1, Wait, token, "the flaky webhook sent");
        Assert.Equal(3, flaky[0].Attempts);
        Assert.Equal("", flaky[0].LastError);
        var failed = await Eventually.MatchesAsync(() => Deliveries("cfg-stuck", Contracts.Notifications.V1.DeliveryStatus.Failed, token), d => d.Count == 1, Wait, token, "the stuck webhook failed");
        Assert.Equal((ChannelKind.Webhook, 3), (failed[0].Channel, failed[0].Attempts));
        Assert.Contains("no answer within 1 s", failed[0].LastError, StringComparison.Ordinal);
        Assert.Equal(Contracts.Notifications.V1.DeliveryStatus.Sent, (await Deliveries("cfg-stuck", Contracts.Notifications.V1.DeliveryStatus.Unspecified, token)).Single(d => d.Channel == ChannelKind.Email).Status);

        // What the flaky receiver finally accepted verifies, with the secret from the secret store.
        var received = new List<ReceivedWebhook>();
        while (fixture.Webhooks.Received.TryRead(out var webhook)) received.Add(webhook);
        var accepted = received.Where(r => r.Path == "/flaky").ToList();
        Assert.Equal(3, accepted.Count);
        Assert.Single(accepted.Select(r => r.Headers["webhook-id"].ToString()).Distinct());
        new StandardWebhook(NotificationsFixture.WebhookSecret).Verify(accepted[^1].Body, accepted[^1].Headers);
        Assert.Contains("\"subject\":\"[medium] Turnstile ts-1 malfunctioned\"", accepted[^1].Body, StringComparison.Ordinal);

        async Task Create(string id, string path, bool email)
        {
            var channels = new NotificationChannels { Webhook = new WebhookChannel { Url = fixture.Webhooks.BaseUrl + path, SecretName = "ops-hook" } };
            if (email) channels.Email = new EmailChannel { To = { "ops@example.org" } };
            await fixture.Client.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest
            {
                Configuration = new NotificationConfiguration
                {
                    ConfigurationId = id,
                    Name = id,
                    EventKinds = { NotificationEventKind.TurnstileFaulted },
                    StationIds = { "stn-deliver" },
                    Channels = channels,
                    Template = new NotificationTemplate { Subject = "[{priority}] {title}", Body = "{text} ({device_id} at {station_id})" },
                },
            }, cancellationToken: token);
        }
    }

    [Fact]
    public async Task A_supervisor_with_a_list_of_stations_changes_only_configurations_of_their_stations()
    {
        var token = TestContext.Current.CancellationToken;
        NotificationConfiguration Of(string id, params string[] stations) => new()
        {
            ConfigurationId = id, Name = id, EventKinds = { NotificationEventKind.TurnstileLocked }, StationIds = { stations },
            Channels = new NotificationChannels { Dashboard = true }, Template = new NotificationTemplate { Subject = "{title}", Body = "{text}" },
        };
        await fixture.Client.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = Of("cfg-cmd-west", "stn-cmd-west") }, cancellationToken: token);
        var sam = new NotificationsClient(fixture.Issuer.As(fixture.Node.Invoker("notifications"), "supervisor", "stn-cmd-east", sub: "sup-east"));

        async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
        var elsewhere = await Refused(() => sam.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = Of("cfg-cmd-new", "stn-cmd-east", "stn-cmd-west") }, cancellationToken: token).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, "sup-east does not work at station stn-cmd-west"), (elsewhere.StatusCode, elsewhere.Status.Detail));
        var everywhere = await Refused(() => sam.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = Of("cfg-cmd-all") }, cancellationToken: token).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, "sup-east does not work at every station"), (everywhere.StatusCode, everywhere.Status.Detail));
        var taken = await Refused(() => sam.UpdateNotificationConfigurationAsync(new UpdateNotificationConfigurationRequest { Configuration = Of("cfg-cmd-west", "stn-cmd-east") }, cancellationToken: token).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, taken.StatusCode);
        var removed = await Refused(() => sam.DeleteNotificationConfigurationAsync(new DeleteNotificationConfigurationRequest { ConfigurationId = "cfg-cmd-west" }, cancellationToken: token).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, removed.StatusCode);

        // Nothing changed; her own station's configuration she creates, changes and removes.
        var west = await fixture.Client.GetNotificationConfigurationAsync(new GetNotificationConfigurationRequest { ConfigurationId = "cfg-cmd-west" }, cancellationToken: token);
        Assert.Equal(["stn-cmd-west"], west.StationIds);
        var ids = (await fixture.Client.ListNotificationConfigurationsAsync(new ListNotificationConfigurationsRequest(), cancellationToken: token)).Configurations.Select(c => c.ConfigurationId).ToList();
        Assert.DoesNotContain("cfg-cmd-new", ids);
        Assert.DoesNotContain("cfg-cmd-all", ids);
        await sam.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = Of("cfg-cmd-east", "stn-cmd-east") }, cancellationToken: token);
        var changed = Of("cfg-cmd-east", "stn-cmd-east");
        changed.Name = "east, renamed";
        Assert.Equal("east, renamed", (await sam.UpdateNotificationConfigurationAsync(new UpdateNotificationConfigurationRequest { Configuration = changed }, cancellationToken: token)).Name);
        await sam.DeleteNotificationConfigurationAsync(new DeleteNotificationConfigurationRequest { ConfigurationId = "cfg-cmd-east" }, cancellationToken: token);
    }

    [Fact]
    public async Task A_user_with_a_list_of_stations_reads_and_acknowledges_only_their_stations_and_a_service_reads_every_station()
    {
        var token = TestContext.Current.CancellationToken;
        foreach (var (id, station) in new[] { ("cfg-scope-east", "stn-scope-east"), ("cfg-scope-west", "stn-scope-west") })
        {
            await fixture.Client.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest
            {
                Configuration = new NotificationConfiguration
                {
                    ConfigurationId = id, Name = id, EventKinds = { NotificationEventKind.TurnstileLocked }, StationIds = { station },
                    Channels = new NotificationChannels { Dashboard = true }, Template = new NotificationTemplate { Subject = "{title}", Body = "{text}" },
                },
            }, cancellationToken: token);
        }
        await fixture.PublishAsync(new TurnstileLocked { TurnstileId = "ts-east", StationId = "stn-scope-east", Kind = FaultKind.Jammed, Reason = "east", LockedAt = Now }, token);
        await fixture.PublishAsync(new TurnstileLocked { TurnstileId = "ts-west", StationId = "stn-scope-west", Kind = FaultKind.Jammed, Reason = "west", LockedAt = Now }, token);
        await fixture.PublishAsync(new WorkOrderEscalated { RequestId = "r-scope", WorkOrderId = "wo-scope", DeviceId = "ts-east", StationId = "stn-scope-east", Priority = MaintenancePriority.High, Level = 1, EscalatedAt = Now }, token);
        var all = await Eventually.MatchesAsync(
            async () => (await fixture.Client.ListAlertsAsync(new ListAlertsRequest(), cancellationToken: token)).Alerts.Where(a => a.StationId.StartsWith("stn-scope-", StringComparison.Ordinal)).ToList(),
            a => a.Count == 3, Wait, token, "both stations' alerts kept");
        await Eventually.MatchesAsync(
            async () => (await fixture.Client.ListDeliveriesAsync(new ListDeliveriesRequest(), cancellationToken: token)).Deliveries.Where(d => d.ConfigurationId.StartsWith("cfg-scope-", StringComparison.Ordinal)).ToList(),
            d => d.Count == 2, Wait, token, "both stations' deliveries logged");
        var (east, west) = (all.Single(a => a.StationId == "stn-scope-east" && a.Kind == NotificationEventKind.TurnstileLocked), all.Single(a => a.StationId == "stn-scope-west"));
        var ana = new NotificationsClient(fixture.Issuer.As(fixture.Node.Invoker("notifications"), "technician", "stn-scope-east", sub: "tech-east"));

        // Ana's lists hold her station's alerts (of the kinds a technician receives: no escalation), deliveries and
        // configurations only (a configuration of every station included).
        var alerts = (await ana.ListAlertsAsync(new ListAlertsRequest(), cancellationToken: token)).Alerts;
        Assert.Equal([east.Id], alerts.Select(a => a.Id));
        Assert.Empty((await ana.ListAlertsAsync(new ListAlertsRequest { StationId = "stn-scope-west" }, cancellationToken: token)).Alerts);
        Assert.Equal(["cfg-scope-east"], (await ana.ListDeliveriesAsync(new ListDeliveriesRequest(), cancellationToken: token)).Deliveries.Select(d => d.ConfigurationId).Distinct());
        var configurations = (await ana.ListNotificationConfigurationsAsync(new ListNotificationConfigurationsRequest(), cancellationToken: token)).Configurations;
        Assert.Contains(configurations, c => c.ConfigurationId == "cfg-scope-east");
        Assert.All(configurations, c => Assert.True(c.StationIds.Count == 0 || c.StationIds.Contains("stn-scope-east"), c.ConfigurationId));
        var hidden = await Assert.ThrowsAsync<RpcException>(() => ana.GetNotificationConfigurationAsync(new GetNotificationConfigurationRequest { ConfigurationId = "cfg-scope-west" }, cancellationToken: token).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, hidden.StatusCode);

        // Another station's alert is not hers to acknowledge: refused, and left unacknowledged; her own she acknowledges.
        var refused = await Assert.ThrowsAsync<RpcException>(() => ana.AcknowledgeAlertAsync(new AcknowledgeAlertRequest { AlertId = west.Id }, cancellationToken: token).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, "tech-east does not work at station stn-scope-west"), (refused.StatusCode, refused.Status.Detail));
        var open = (await fixture.Client.ListAlertsAsync(new ListAlertsRequest { StationId = "stn-scope-west", Unacknowledged = true }, cancellationToken: token)).Alerts;
        Assert.Contains(open, a => a.Id == west.Id);
        Assert.Equal("tech-east", (await ana.AcknowledgeAlertAsync(new AcknowledgeAlertRequest { AlertId = east.Id }, cancellationToken: token)).AcknowledgedBy);

        // A service (no user) reads every station's, as before.
        var service = new NotificationsClient(fixture.Node.Invoker("notifications"));
        Assert.Equal(3, (await service.ListAlertsAsync(new ListAlertsRequest(), cancellationToken: token)).Alerts.Count(a => a.StationId.StartsWith("stn-scope-", StringComparison.Ordinal)));
        Assert.Equal(2, (await service.ListDeliveriesAsync(new ListDeliveriesRequest(), cancellationToken: token)).Deliveries.Count(d => d.ConfigurationId.StartsWith("cfg-scope-", StringComparison.Ordinal)));
    }

    private async Task<IReadOnlyList<Delivery>> Deliveries(string configurationId, Contracts.Notifications.V1.DeliveryStatus status, CancellationToken token) =>
        (await fixture.Client.ListDeliveriesAsync(new ListDeliveriesRequest { ConfigurationId = configurationId, Status = status }, cancellationToken: token)).Deliveries;
}

/// <summary>A delivery between two attempts survives a restart of notifications and goes on where it was.</summary>
public sealed class DeliveryRestartTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_delivery_waiting_for_its_next_attempt_is_resumed_after_a_restart_with_its_attempts_and_due_time()
    {
        var token = TestContext.Current.CancellationToken;
        // Four attempts, the second one 3 s after the first: the service is stopped in between.
        await using var fixture = NotificationsFixture.With(false, "--Notifications:Delivery:MaxAttempts=4", "--Notifications:Delivery:FirstRetryDelay=00:00:03");
        await fixture.InitializeAsync();
        fixture.Webhooks.Behaviour["/later"] = call => call <= 1 ? 503 : 200;
        await fixture.Client.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest
        {
            Configuration = new NotificationConfiguration
            {
                ConfigurationId = "cfg-later", Name = "later", EventKinds = { NotificationEventKind.TurnstileFaulted }, StationIds = { "stn-restart" },
                Channels = new NotificationChannels { Webhook = new WebhookChannel { Url = fixture.Webhooks.BaseUrl + "/later", SecretName = "ops-hook" } },
                Template = new NotificationTemplate { Subject = "{title}", Body = "{text}" },
            },
        }, cancellationToken: token);
        await fixture.PublishAsync(new TurnstileFaulted { TurnstileId = "ts-r", StationId = "stn-restart", Kind = FaultKind.Malfunction, Reason = "reader dead", FaultedAt = Timestamp.FromDateTime(DateTime.UtcNow) }, token);

        // The first attempt failed, and the log says so and when the next one is due.
        var waiting = (await Eventually.MatchesAsync(() => Deliveries(fixture, token), d => d.Count == 1 && d[0].Attempts == 1, Wait, token, "the first attempt logged"))[0];
        Assert.Equal((Contracts.Notifications.V1.DeliveryStatus.Pending, "503"), (waiting.Status, waiting.LastError.Contains("503", StringComparison.Ordinal) ? "503" : waiting.LastError));
        var due = waiting.NextAttemptAt.ToDateTimeOffset();

        await fixture.RestartAsync(token);

        var sent = (await Eventually.MatchesAsync(() => Deliveries(fixture, token), d => d.Count == 1 && d[0].Status == Contracts.Notifications.V1.DeliveryStatus.Sent, Wait, token, "the delivery sent after the restart"))[0];
        Assert.Equal(2, sent.Attempts);
        Assert.Null(sent.NextAttemptAt);
        var received = new List<ReceivedWebhook>();
        while (fixture.Webhooks.Received.TryRead(out var webhook)) received.Add(webhook);
        Assert.Equal(2, received.Count(r => r.Path == "/later"));
        // The second attempt waited for its due time (not sent at once, as a new delivery would have been).
        Assert.True(sent.CompletedAt.ToDateTimeOffset() >= due - TimeSpan.FromMilliseconds(50), $"sent at {sent.CompletedAt}, due {due:O}");
    }

    private static async Task<IReadOnlyList<Delivery>> Deliveries(NotificationsFixture fixture, CancellationToken token) =>
        (await fixture.Client.ListDeliveriesAsync(new ListDeliveriesRequest { ConfigurationId = "cfg-later" }, cancellationToken: token)).Deliveries;
}
