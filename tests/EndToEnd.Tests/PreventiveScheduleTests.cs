using System.Net.Http.Json;
using System.Text.Json;
using LocalDapr.Runner;
using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// Preventive schedules end to end through the runner: a schedule comes due at its cron time and becomes a
/// maintenance request and a work order, whose transitions the station's work-order history shows.
/// </summary>
[Collection(nameof(MtaedaSystem))]
public sealed class PreventiveScheduleTests(MtaedaSystem system)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_schedule_fires_at_its_cron_time_and_the_stations_history_shows_its_work_orders_transitions()
    {
        using var http = PreventiveSchedules.Http(system, "simulator");
        var due = await PreventiveSchedules.ScheduleAsync(system, http, "stn-sched", "Schedule Square", "ts-sched-01", "sch-e2e", 8, "America/New_York");

        var order = await PreventiveSchedules.WorkOrderAtAsync(system, "stn-sched", due);
        Assert.Equal(("ts-sched-01", MaintenancePriority.Low), (order.DeviceId, order.Priority));
        Assert.True(order.CreatedAt.ToDateTime() >= due, $"work order created at {order.CreatedAt}, before the schedule's time {due:O}");

        foreach (var (step, body) in new (string, object)[] { ("assign", new { technicianId = "tech-001" }), ("start", new { }), ("complete", new { notes = "serviced" }) })
        {
            using var done = await http.PostAsJsonAsync($"v1.0/invoke/scheduling/method/v1/work-orders/{order.WorkOrderId}:{step}", body, Ct);
            Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync(Ct));
        }

        var history = await Eventually.MatchesAsync(
            () => http.GetFromJsonAsync<JsonElement>("v1.0/invoke/stations/method/v1/stations/stn-sched/work-orders", Ct),
            h => h.GetProperty("workOrders").EnumerateArray().Any(o => o.GetProperty("transitions").GetArrayLength() == 4),
            TimeSpan.FromSeconds(60), Ct, "the station's history to show four transitions");
        var kept = Assert.Single(history.GetProperty("workOrders").EnumerateArray());
        Assert.Equal(order.WorkOrderId, kept.GetProperty("workOrderId").GetString());
        Assert.Equal(
            ["WORK_ORDER_STATUS_CREATED", "WORK_ORDER_STATUS_ASSIGNED", "WORK_ORDER_STATUS_STARTED", "WORK_ORDER_STATUS_COMPLETED"],
            kept.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("status").GetString()));
    }
}

/// <summary>On the Redis backend: a schedule whose time passes while scheduling is killed and held down fires once when it is back.</summary>
[Collection(nameof(MtaedaRedisSystem))]
public sealed class PreventiveScheduleRestartTests(MtaedaRedisSystem system)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_schedule_whose_time_passes_while_scheduling_is_down_fires_once_after_it_comes_back()
    {
        using var http = PreventiveSchedules.Http(system, "simulator");
        var due = await PreventiveSchedules.ScheduleAsync(system, http, "stn-down", "Downtime Depot", "ts-down-01", "sch-down", 15, "Etc/UTC");

        system.Hold("scheduling", true);
        try
        {
            var killed = system.RunningPid("scheduling") ?? throw new InvalidOperationException("scheduling is not running");
            ProcessTree.Signal(killed, ProcessTree.SigKill);
            await system.Runner.WaitForLineAsync(l => l.Contains($"app \"scheduling\" (pid {killed}) exited with code 137 at ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), Ct);
            Assert.True(DateTime.UtcNow < due, $"scheduling went down at {DateTime.UtcNow:O}, after the schedule's time {due:O}");
            await Eventually.UntilAsync(() => DateTime.UtcNow > due.AddSeconds(2), "the schedule's time to pass while scheduling is down", TimeSpan.FromSeconds(60), Ct);
        }
        finally
        {
            system.Hold("scheduling", false);
        }

        await system.Runner.WaitForLineAsync(l => l.Contains("app \"scheduling\" is back (app pid ", StringComparison.Ordinal), TimeSpan.FromSeconds(180), Ct);
        var order = await PreventiveSchedules.WorkOrderAtAsync(system, "stn-down", due);
        Assert.Equal("ts-down-01", order.DeviceId);
        // The workflow raised this occurrence and waits for the next one (an hour later); one work order, no second trigger.
        using var sidecar = PreventiveSchedules.Http(system, "scheduling");
        var next = $"next occurrence {due.AddHours(1):O}";
        await Eventually.MatchesAsync(
            () => sidecar.GetFromJsonAsync<JsonElement>("v1.0/workflows/dapr/sch-down-v1", Ct),
            w => w.GetProperty("runtimeStatus").GetString() == "RUNNING"
                && w.GetProperty("properties").TryGetProperty("dapr.workflow.custom_status", out var status)
                && status.GetString()!.Contains(next, StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), Ct, next);
        var orders = await system.Scheduling.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-down" }, cancellationToken: Ct);
        Assert.Single(orders.WorkOrders);
    }
}

/// <summary>What the preventive schedule tests share.</summary>
internal static class PreventiveSchedules
{
    /// <summary>
    /// A turnstile provisioned at a station of its own and an hourly schedule for it created through <paramref name="http"/>
    /// (a supervisor's client, <see cref="Http"/>), first due at least <paramref name="dueInSeconds"/> from now (a whole
    /// second, UTC), and further ahead when storing it took longer than that (<see cref="CronDue.StoreAheadAsync"/>); the due time.
    /// </summary>
    public static async Task<DateTime> ScheduleAsync(MtaedaSystem system, HttpClient http, string stationId, string stationName, string turnstileId, string scheduleId,
        int dueInSeconds, string timeZone)
    {
        var ct = TestContext.Current.CancellationToken;
        await system.ProvisionAsync(stationId, stationName, "green", 1_000_000, turnstileId);
        return await CronDue.StoreAheadAsync(
            TimeSpan.FromSeconds(dueInSeconds),
            due => StoredAtAsync(http.PostAsJsonAsync("v1.0/invoke/scheduling/method/v1/schedules",
                new { scheduleId, deviceId = turnstileId, deviceKind = "DEVICE_KIND_TURNSTILE", cron = CronDue.OnceAt(due), timeZone }, ct), ct),
            due => StoredAtAsync(http.PutAsJsonAsync($"v1.0/invoke/scheduling/method/v1/schedules/{scheduleId}", new { cron = CronDue.OnceAt(due), timeZone }, ct), ct));
    }

    /// <summary>The time the schedule a create or change answered was stored at (its <c>changed_at</c>, from which its occurrences count).</summary>
    private static async Task<DateTime> StoredAtAsync(Task<HttpResponseMessage> sent, CancellationToken ct)
    {
        using var response = await sent;
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return MaintenanceSchedule.Parser.ParseJson(body).ChangedAt.ToDateTime();
    }

    /// <summary>An HTTP client on <paramref name="appId"/>'s sidecar, with the run's API token.</summary>
    public static HttpClient Http(MtaedaSystem system, string appId)
    {
        var http = new HttpClient { BaseAddress = new Uri(system.SidecarHttp(appId) + "/") };
        http.DefaultRequestHeaders.Add("dapr-api-token", system.ApiToken);
        // On behalf of a supervisor: scheduling takes schedule and work-order commands from users only (ADR 0009).
        return system.HubIssuer.As(http, "supervisor");
    }

    /// <summary>The one work order of the station, once maintenance created it after the schedule came due at <paramref name="due"/> (awaited up to 90 s past it).</summary>
    public static async Task<WorkOrder> WorkOrderAtAsync(MtaedaSystem system, string stationId, DateTime due)
    {
        var wait = (due > DateTime.UtcNow ? due - DateTime.UtcNow : TimeSpan.Zero) + TimeSpan.FromSeconds(90);
        var listed = await Eventually.MatchesAsync(
            () => system.Scheduling.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = stationId }, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync,
            l => l.WorkOrders.Count > 0, wait, TestContext.Current.CancellationToken, $"a work order at {stationId} after its schedule came due at {due:O}");
        return Assert.Single(listed.WorkOrders);
    }
}
