using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Mtaeda.Notifications.Infrastructure;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Mtaeda.Notifications.Tests;

/// <summary>Webhooks as a receiver sees them: signed the Standard Webhooks way, verified with the receivers' library and by hand.</summary>
public sealed class WebhookSignatureTests
{
    private static readonly string Secret = "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("a shared secret of 32 bytes!!!!!"));

    [Fact]
    public async Task The_receiver_verifies_the_signature_of_id_timestamp_and_body()
    {
        var token = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync(token);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var http = new HttpClient();
        var sender = new WebhookSender(http, clock);
        const string body = """{"type":"mtaeda.notification","data":{"id":"alr-1"}}""";

        await sender.SendAsync(new Uri(receiver.BaseUrl + "/hooks/ops"), Secret, "dlv-42", body, token);

        var received = await receiver.Received.ReadAsync(token);
        Assert.Equal(body, received.Body);
        Assert.Equal("dlv-42", received.Headers["webhook-id"].ToString());
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), received.Headers["webhook-timestamp"].ToString());

        // The receivers' library (StandardWebhooks): verifies signature and timestamp tolerance.
        new StandardWebhook(Secret).Verify(received.Body, received.Headers);

        // By hand, as the specification says: v1,base64(HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")).
        var key = Convert.FromBase64String(Secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"dlv-42.{received.Headers["webhook-timestamp"]}.{body}")));
        Assert.Equal(expected, received.Headers["webhook-signature"].ToString());

        // A body changed on the way fails verification.
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(Secret).Verify(body.Replace("alr-1", "alr-2", StringComparison.Ordinal), received.Headers));
    }

    [Fact]
    public async Task A_5xx_is_worth_retrying_and_a_4xx_refusal_is_not()
    {
        var token = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync(token);
        receiver.Behaviour["/down"] = _ => 503;
        receiver.Behaviour["/gone"] = _ => 410;
        receiver.Behaviour["/busy"] = _ => 429;
        using var http = new HttpClient();
        var sender = new WebhookSender(http, TimeProvider.System);

        await Assert.ThrowsAsync<HttpRequestException>(() => sender.SendAsync(new Uri(receiver.BaseUrl + "/down"), Secret, "d1", "{}", token));
        await Assert.ThrowsAsync<HttpRequestException>(() => sender.SendAsync(new Uri(receiver.BaseUrl + "/busy"), Secret, "d2", "{}", token));
        await Assert.ThrowsAsync<PermanentDeliveryException>(() => sender.SendAsync(new Uri(receiver.BaseUrl + "/gone"), Secret, "d3", "{}", token));
    }

    [Fact]
    public void A_secret_that_is_not_base64_is_a_permanent_failure() =>
        Assert.Throws<PermanentDeliveryException>(() => WebhookSender.Sign("whsec_not base64!", "id", "1", "{}"));
}
