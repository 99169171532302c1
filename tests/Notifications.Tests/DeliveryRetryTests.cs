using Mtaeda.Notifications.Infrastructure;
using Polly.Timeout;

namespace Mtaeda.Notifications.Tests;

public sealed class DeliveryRetryTests
{
    private static DeliveryOptions Options(int attempts = 4) => new()
    {
        MaxAttempts = attempts,
        FirstRetryDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        UseJitter = false,
        AttemptTimeout = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task A_failing_attempt_is_retried_with_exponential_back_off_up_to_the_cap()
    {
        var waits = new List<TimeSpan>();
        var attempts = 0;
        var pipeline = DeliveryRetry.Build(Options(), TimeProvider.System, (_, wait, _) => waits.Add(wait));

        await Assert.ThrowsAsync<HttpRequestException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new HttpRequestException("503");
        }, TestContext.Current.CancellationToken));

        Assert.Equal(4, attempts);
        Assert.Equal([TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(50)], waits);
    }

    [Fact]
    public async Task Success_after_failures_stops_retrying()
    {
        var attempts = 0;
        var pipeline = DeliveryRetry.Build(Options(), TimeProvider.System);

        await pipeline.ExecuteAsync(_ =>
        {
            if (++attempts < 3) throw new HttpRequestException("503");
            return ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken);

        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task A_permanent_refusal_is_not_retried()
    {
        var attempts = 0;
        var pipeline = DeliveryRetry.Build(Options(), TimeProvider.System);

        await Assert.ThrowsAsync<PermanentDeliveryException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new PermanentDeliveryException("410 Gone");
        }, TestContext.Current.CancellationToken));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task An_attempt_without_an_answer_times_out_and_is_retried()
    {
        var attempts = 0;
        var pipeline = DeliveryRetry.Build(Options(attempts: 2), TimeProvider.System);

        await Assert.ThrowsAsync<TimeoutRejectedException>(async () => await pipeline.ExecuteAsync(async token =>
        {
            attempts++;
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
        }, TestContext.Current.CancellationToken));

        Assert.Equal(2, attempts);
    }
}
