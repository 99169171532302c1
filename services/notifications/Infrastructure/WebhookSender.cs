using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// Posts webhooks signed the Standard Webhooks way (https://www.standardwebhooks.com): headers <c>webhook-id</c> (the
/// delivery's id, the same on every retry, so a receiver can drop duplicates), <c>webhook-timestamp</c> (Unix seconds of
/// the attempt) and <c>webhook-signature</c> = <c>v1,</c> + base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c> keyed by
/// the secret's bytes (<c>whsec_</c> + base64).
/// </summary>
/// <param name="http">The client (no retries of its own: the delivery's retries count the attempts).</param>
/// <param name="time">The clock.</param>
public sealed class WebhookSender(HttpClient http, TimeProvider time)
{
    /// <summary>The prefix of a Standard Webhooks secret.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>Posts one webhook.</summary>
    /// <param name="url">The receiver.</param>
    /// <param name="secret">The signing secret (<c>whsec_</c> + base64).</param>
    /// <param name="webhookId">The message id.</param>
    /// <param name="json">The body.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when the receiver answered 2xx.</returns>
    /// <exception cref="PermanentDeliveryException">The receiver refused it for good (4xx other than 408 and 429), or the secret is unreadable.</exception>
    /// <exception cref="HttpRequestException">The receiver failed (5xx, 408, 429) or could not be reached: worth another attempt.</exception>
    public async Task SendAsync(Uri url, string secret, string webhookId, string json, CancellationToken cancellationToken)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", Sign(secret, webhookId, timestamp, json));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode) return;
        var status = (int)response.StatusCode;
        if (status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
        {
            throw new PermanentDeliveryException($"the receiver refused the webhook: {status} {response.ReasonPhrase}");
        }
        throw new HttpRequestException($"the receiver answered {status} {response.ReasonPhrase}", null, response.StatusCode);
    }

    /// <summary>The <c>webhook-signature</c> value of a message.</summary>
    /// <param name="secret">The secret (<c>whsec_</c> + base64).</param>
    /// <param name="webhookId">The message id.</param>
    /// <param name="timestamp">The Unix seconds, as sent.</param>
    /// <param name="json">The body, as sent.</param>
    /// <returns><c>v1,</c> and the base64 signature.</returns>
    /// <exception cref="PermanentDeliveryException">The secret is not <c>whsec_</c> + base64.</exception>
    public static string Sign(string secret, string webhookId, string timestamp, string json)
    {
        ArgumentNullException.ThrowIfNull(secret);
        byte[] key;
        try
        {
            key = Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        }
        catch (FormatException)
        {
            throw new PermanentDeliveryException("the webhook's signing secret is not whsec_ followed by base64");
        }
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.{json}")));
    }
}

/// <summary>A delivery that no further attempt can make succeed (a refusal, a missing secret): not retried.</summary>
/// <param name="message">Why.</param>
public sealed class PermanentDeliveryException(string message) : Exception(message);
