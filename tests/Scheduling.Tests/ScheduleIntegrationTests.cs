using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapr.Workflow;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Scheduling.Workflows;
using Mtaeda.ServiceDefaults;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;

namespace Mtaeda.Scheduling.Tests;

/// <summary>
/// The real scheduling app in-process beside a local sidecar (which serves the workflow engine), with small equipment and
/// stations apps that know one turnstile and one camera: schedules are created, changed and removed over gRPC and HTTP,
/// come due at their cron time once per occurrence, also when scheduling is down at the due time.
/// </summary>
public sealed class ScheduleIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A whole second at least <paramref name="seconds"/> from now (UTC).</summary>
    private static DateTime SecondsAhead(int seconds) => CronDue.Ahead(TimeSpan.FromSeconds(seconds), DateTime.UtcNow);

    [Fact]
    public async Task A_schedule_fires_at_its_cron_time_once_and_is_changed_and_removed_with_its_events()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (scheduling, observer, client) = await StartAsync(runtime, issuer);
        using var http = issuer.As(new HttpClient { BaseAddress = new Uri($"{observer.Node.HttpEndpoint}/v1.0/invoke/scheduling/method/") }, "supervisor");

        var due = SecondsAhead(4);
        using (var created = await http.PostAsJsonAsync("v1/schedules", new { scheduleId = "sch-ts", deviceId = "ts-001-01", deviceKind = "DEVICE_KIND_TURNSTILE", cron = CronDue.OnceAt(due), timeZone = "America/New_York" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal(("stn-001", "1"), (body.GetProperty("stationId").GetString(), body.GetProperty("version").GetString()));
        }

        var triggered = await observer.WaitForAsync(e => e.Type == EventType.Of<TurnstileMaintenanceScheduleTriggered>(), Patience, Ct);
        var trigger = IntegrationEvents.FromJson<TurnstileMaintenanceScheduleTriggered>(triggered.Data);
        Assert.Equal(("sch-ts", "ts-001-01", "stn-001", due), (trigger.ScheduleId, trigger.TurnstileId, trigger.StationId, trigger.Occurrence.ToDateTime()));
        Assert.True(trigger.TriggeredAt.ToDateTime() >= due, $"raised at {trigger.TriggeredAt}, before its time {due:O}");
        // The workflow went on to the next occurrence (an hour later) after raising this one, once.
        var workflows = scheduling.App!.Services.GetRequiredService<DaprWorkflowClient>();
        await WaitForNextOccurrenceAsync(workflows, ScheduleWorkflow.InstanceIdOf("sch-ts", 1), due.AddHours(1));
        Assert.Single(observer.Events.Where(e => e.Type == EventType.Of<TurnstileMaintenanceScheduleTriggered>()).Select(e => e.Id).Distinct());
        Assert.Single(observer.Events, e => e.Type == EventType.Of<TurnstileMaintenanceScheduleCreated>());

        // Changed: a new version runs, the old one is gone.
        using (var changed = await http.PutAsJsonAsync("v1/schedules/sch-ts", new { cron = "0 3 * * 1", timeZone = "Europe/Berlin" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        }

        await observer.WaitForAsync(e => e.Type == EventType.Of<TurnstileMaintenanceScheduleChanged>(), Patience, Ct);
        var schedule = await client.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "sch-ts" }, cancellationToken: Ct);
        Assert.Equal((2L, "0 3 * * 1", "Europe/Berlin"), (schedule.Version, schedule.Cron, schedule.TimeZone));
        Assert.Equal(DayOfWeek.Monday, schedule.NextOccurrence.ToDateTime().AddHours(1).DayOfWeek);
        Assert.False((await workflows.GetWorkflowStateAsync(ScheduleWorkflow.InstanceIdOf("sch-ts", 1), false, Ct))?.Exists ?? false);
        Assert.True((await workflows.GetWorkflowStateAsync(ScheduleWorkflow.InstanceIdOf("sch-ts", 2), false, Ct))?.Exists);

        // A camera's schedule, listed beside it by station.
        await client.CreateScheduleAsync(new CreateScheduleRequest { ScheduleId = "sch-cam", DeviceId = "cam-001-01", DeviceKind = DeviceKind.Camera, StationId = "stn-001", Cron = "0 2 1 * *", TimeZone = "Etc/UTC" }, cancellationToken: Ct);
        await observer.WaitForAsync(e => e.Type == EventType.Of<CameraMaintenanceScheduleCreated>(), Patience, Ct);
        var listed = await client.ListSchedulesAsync(new ListSchedulesRequest { StationId = "stn-001" }, cancellationToken: Ct);
        Assert.Equal(["sch-cam", "sch-ts"], listed.Schedules.Select(s => s.ScheduleId));

        // Removed: gone from the API and the workflows; removing again is accepted.
        using (var removed = await http.DeleteAsync("v1/schedules/sch-ts", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await client.RemoveScheduleAsync(new RemoveScheduleRequest { ScheduleId = "sch-ts" }, cancellationToken: Ct);
        await observer.WaitForAsync(e => e.Type == EventType.Of<TurnstileMaintenanceScheduleRemoved>(), Patience, Ct);
        var gone = await Assert.ThrowsAsync<RpcException>(() => client.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "sch-ts" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.False((await workflows.GetWorkflowStateAsync(ScheduleWorkflow.InstanceIdOf("sch-ts", 2), false, Ct))?.Exists ?? false);
        Assert.Equal(["sch-cam"], (await client.ListSchedulesAsync(new ListSchedulesRequest(), cancellationToken: Ct)).Schedules.Select(s => s.ScheduleId));
        Assert.Single(observer.Events.Where(e => e.Type == EventType.Of<TurnstileMaintenanceScheduleRemoved>()).Select(e => e.Id).Distinct());
    }

    [Fact]
    public async Task A_schedule_whose_time_passes_while_scheduling_is_down_fires_once_when_it_is_back()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (scheduling, observer, client) = await StartAsync(runtime, issuer);

        var due = SecondsAhead(10);
        await client.CreateScheduleAsync(new CreateScheduleRequest { ScheduleId = "sch-down", DeviceId = "ts-001-01", DeviceKind = DeviceKind.Turnstile, Cron = CronDue.OnceAt(due), TimeZone = "Etc/UTC" }, cancellationToken: Ct);
        // Scheduling (app and sidecar) stops before the due time and stays down past it; the store keeps everything.
        await scheduling.DisposeAsync();
        Assert.True(DateTime.UtcNow < due, "scheduling stopped too late for the test to mean anything");
        await Eventually.UntilAsync(() => DateTime.UtcNow > due.AddSeconds(1), "the due time to pass", Patience, Ct);
        Assert.DoesNotContain(observer.Events, e => e.Type == EventType.Of<TurnstileMaintenanceScheduleTriggered>());

        var back = await runtime.StartAsync("scheduling", SchedulingApp.Trusting(issuer), Ct);
        var triggered = await observer.WaitForAsync(e => e.Type == EventType.Of<TurnstileMaintenanceScheduleTriggered>(), Patience, Ct);
        Assert.Equal(due, IntegrationEvents.FromJson<TurnstileMaintenanceScheduleTriggered>(triggered.Data).Occurrence.ToDateTime());
        await WaitForNextOccurrenceAsync(back.App!.Services.GetRequiredService<DaprWorkflowClient>(), ScheduleWorkflow.InstanceIdOf("sch-down", 1), due.AddHours(1));
        Assert.Single(observer.Events.Where(e => e.Type == EventType.Of<TurnstileMaintenanceScheduleTriggered>()).Select(e => e.Id).Distinct());
    }

    [Fact]
    public async Task A_supervisor_of_other_stations_neither_creates_changes_nor_removes_a_schedule_of_this_station()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (_, observer, everywhere) = await StartAsync(runtime, issuer);
        var elsewhere = new SchedulingClient(issuer.As(observer.Node.Invoker("scheduling"), "supervisor", "stn-002", sub: "nora-north"));
        await everywhere.CreateScheduleAsync(new CreateScheduleRequest { ScheduleId = "sch-here", DeviceId = "ts-001-01", DeviceKind = DeviceKind.Turnstile, Cron = "0 3 * * 1", TimeZone = "Etc/UTC" }, cancellationToken: Ct);

        async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
        var create = await Refused(() => elsewhere.CreateScheduleAsync(new CreateScheduleRequest { ScheduleId = "sch-there", DeviceId = "ts-001-01", DeviceKind = DeviceKind.Turnstile, Cron = "0 3 * * 1", TimeZone = "Etc/UTC" }, cancellationToken: Ct).ResponseAsync);
        var change = await Refused(() => elsewhere.ChangeScheduleAsync(new ChangeScheduleRequest { ScheduleId = "sch-here", Cron = "0 4 * * 1", TimeZone = "Etc/UTC" }, cancellationToken: Ct).ResponseAsync);
        var remove = await Refused(() => elsewhere.RemoveScheduleAsync(new RemoveScheduleRequest { ScheduleId = "sch-here" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, "nora-north does not work at station stn-001"), (create.StatusCode, create.Status.Detail));
        Assert.Equal(StatusCode.PermissionDenied, change.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, remove.StatusCode);
        var kept = await everywhere.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "sch-here" }, cancellationToken: Ct);
        Assert.Equal(("0 3 * * 1", 1L), (kept.Cron, kept.Version));
        Assert.Equal(["sch-here"], (await everywhere.ListSchedulesAsync(new ListSchedulesRequest(), cancellationToken: Ct)).Schedules.Select(s => s.ScheduleId));
    }

    [Fact]
    public async Task A_bad_cron_time_zone_or_device_is_refused_naming_the_field_and_nothing_is_stored()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (_, observer, client) = await StartAsync(runtime, issuer);
        CreateScheduleRequest Request(string cron = "0 3 * * 1", string zone = "Etc/UTC", string device = "ts-001-01", DeviceKind kind = DeviceKind.Turnstile, string station = "") =>
            new() { ScheduleId = "sch-bad", DeviceId = device, DeviceKind = kind, StationId = station, Cron = cron, TimeZone = zone };

        async Task<RpcException> Refused(CreateScheduleRequest request) =>
            await Assert.ThrowsAsync<RpcException>(() => client.CreateScheduleAsync(request, cancellationToken: Ct).ResponseAsync);

        var cron = await Refused(Request(cron: "every monday"));
        var zone = await Refused(Request(zone: "Mars/Olympus_Mons"));
        var turnstile = await Refused(Request(device: "ts-404"));
        var camera = await Refused(Request(device: "cam-404", kind: DeviceKind.Camera, station: "stn-001"));
        var cameraStation = await Refused(Request(device: "cam-001-01", kind: DeviceKind.Camera));
        var id = await Assert.ThrowsAsync<RpcException>(() => client.CreateScheduleAsync(new CreateScheduleRequest(Request()) { ScheduleId = "sch.bad" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, "cron"), (cron.StatusCode, Assert.Single(Errors.FieldViolationsOf(cron)).Field));
        Assert.Equal((StatusCode.InvalidArgument, "time_zone"), (zone.StatusCode, Assert.Single(Errors.FieldViolationsOf(zone)).Field));
        Assert.Equal(StatusCode.NotFound, turnstile.StatusCode);
        Assert.Contains("device_id", turnstile.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, camera.StatusCode);
        Assert.Equal((StatusCode.InvalidArgument, "station_id"), (cameraStation.StatusCode, Assert.Single(Errors.FieldViolationsOf(cameraStation)).Field));
        Assert.Equal((StatusCode.InvalidArgument, "schedule_id"), (id.StatusCode, Assert.Single(Errors.FieldViolationsOf(id)).Field));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "sch-bad" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var change = await Assert.ThrowsAsync<RpcException>(() => client.ChangeScheduleAsync(new ChangeScheduleRequest { ScheduleId = "sch-bad", Cron = "0 3 * * 1", TimeZone = "Etc/UTC" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, change.StatusCode);
        Assert.Empty((await client.ListSchedulesAsync(new ListSchedulesRequest(), cancellationToken: Ct)).Schedules);

        // A good one, then a bad change of it: refused, the schedule unchanged.
        await client.CreateScheduleAsync(Request(), cancellationToken: Ct);
        var badChange = await Assert.ThrowsAsync<RpcException>(() => client.ChangeScheduleAsync(new ChangeScheduleRequest { ScheduleId = "sch-bad", Cron = "0 3 * * 1", TimeZone = "Nowhere/Else" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("time_zone", Assert.Single(Errors.FieldViolationsOf(badChange)).Field);
        Assert.Equal(1L, (await client.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "sch-bad" }, cancellationToken: Ct)).Version);
        var taken = await Assert.ThrowsAsync<RpcException>(() => client.CreateScheduleAsync(Request(cron: "0 4 * * 1"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, taken.StatusCode);
        await observer.WaitForAsync(e => e.Type == EventType.Of<TurnstileMaintenanceScheduleCreated>(), Patience, Ct);
        Assert.DoesNotContain(observer.Events, e => e.Type == EventType.Of<TurnstileMaintenanceScheduleChanged>());

        // A user reads the schedules of their stations only (ADR 0009): the one at stn-001 is not another station's to read.
        var elsewhere = new SchedulingClient(issuer.As(observer.Node.Invoker("scheduling"), "technician", "stn-002", sub: "tech-002"));
        Assert.Empty((await elsewhere.ListSchedulesAsync(new ListSchedulesRequest(), cancellationToken: Ct)).Schedules);
        var hidden = await Assert.ThrowsAsync<RpcException>(() => elsewhere.GetScheduleAsync(new GetScheduleRequest { ScheduleId = "sch-bad" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, "tech-002 does not work at station stn-001"), (hidden.StatusCode, hidden.Status.Detail));
        var here = new SchedulingClient(issuer.As(observer.Node.Invoker("scheduling"), "technician", "stn-001", sub: "tech-001"));
        Assert.Equal(["sch-bad"], (await here.ListSchedulesAsync(new ListSchedulesRequest(), cancellationToken: Ct)).Schedules.Select(s => s.ScheduleId));
    }

    /// <summary>Waits for the workflow to wait for <paramref name="next"/> (its custom status, read with the inputs and outputs, as daprd gives it).</summary>
    private static async Task WaitForNextOccurrenceAsync(DaprWorkflowClient workflows, string instanceId, DateTime next)
    {
        var status = $"next occurrence {next:O}";
        await Eventually.MatchesAsync(
            async () => await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: true, Ct) is { Exists: true } state
                ? $"{state.RuntimeStatus}: {state.ReadCustomStatusAs<string>()}"
                : "no instance",
            s => s == $"{WorkflowRuntimeStatus.Running}: {status}", Patience, Ct, status);
    }

    /// <summary>
    /// Equipment knowing turnstile ts-001-01 (at stn-001) and stations knowing stn-001 with camera cam-001-01, the real
    /// scheduling app trusting <paramref name="issuer"/>'s tokens, an observer of its topic and a supervisor's client
    /// through the observer's sidecar.
    /// </summary>
    private static async Task<(AppNode Scheduling, Observer Observer, SchedulingClient Supervisor)> StartAsync(LocalRuntime runtime, TestIssuer issuer)
    {
        await runtime.StartGrpcAppAsync("equipment", new KnownTurnstile(), Ct);
        await runtime.StartGrpcAppAsync("stations", new KnownStation(), Ct);
        var scheduling = await runtime.StartAsync("scheduling", SchedulingApp.Trusting(issuer), Ct);
        var observer = await runtime.ObserveAsync("observer", [Topics.Scheduling], Ct);
        return (scheduling, observer, new SchedulingClient(issuer.As(observer.Node.Invoker("scheduling"), "supervisor")));
    }

    private sealed class KnownTurnstile : Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentBase
    {
        public override Task<Turnstile> GetTurnstile(GetTurnstileRequest request, ServerCallContext context) => request.TurnstileId == "ts-001-01"
            ? Task.FromResult(new Turnstile { TurnstileId = request.TurnstileId, StationId = "stn-001", Status = TurnstileStatus.Operational })
            : throw new RpcException(new Status(StatusCode.NotFound, $"turnstile '{request.TurnstileId}' not found"));
    }

    private sealed class KnownStation : Mtaeda.Contracts.Stations.V1.Stations.StationsBase
    {
        public override Task<Station> GetStation(GetStationRequest request, ServerCallContext context) => request.StationId == "stn-001"
            ? Task.FromResult(new Station { StationId = "stn-001", CameraIds = { "cam-001-01" } })
            : throw new RpcException(new Status(StatusCode.NotFound, $"station '{request.StationId}' not found"));
    }
}
