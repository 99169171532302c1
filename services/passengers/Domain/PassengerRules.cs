using System.Text.RegularExpressions;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Passengers.V1;

namespace Mtaeda.Passengers.Domain;

/// <summary>
/// The bounds of the passenger contract's fields (passengers.proto). Each check throws
/// <see cref="DomainRefusalException.Invalid"/> naming the field; none quotes a payment method or a template value.
/// </summary>
public static partial class PassengerRules
{
    /// <summary>The largest top-up: 500.00.</summary>
    public const long MaxTopUpCents = 50_000;

    /// <summary>The most face templates an enrolment carries (as identification takes them).</summary>
    public const int MaxTemplates = 20;

    /// <summary>The largest reason text.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>Checks the passenger's information.</summary>
    /// <param name="info">The information.</param>
    /// <param name="field">The field's proto path.</param>
    /// <returns>The information, trimmed, language "en" when empty.</returns>
    public static PassengerInfoState Info(PassengerInfo? info, string field = "info")
    {
        if (info is null) throw DomainRefusalException.Invalid(field, "is required");
        var name = info.DisplayName.Trim();
        if (name.Length == 0) throw DomainRefusalException.Invalid($"{field}.display_name", "is required");
        if (name.Length > 100) throw DomainRefusalException.Invalid($"{field}.display_name", "at most 100 characters");
        var email = info.Email.Trim();
        if (email.Length == 0) throw DomainRefusalException.Invalid($"{field}.email", "is required");
        if (email.Length > 254 || !Email().IsMatch(email)) throw DomainRefusalException.Invalid($"{field}.email", "must be an e-mail address (at most 254 characters)");
        var language = info.Language.Trim();
        if (language.Length == 0) language = "en";
        if (language.Length > 35 || !Language().IsMatch(language)) throw DomainRefusalException.Invalid($"{field}.language", "must be a BCP 47 language tag (e.g. en, fr-CA)");
        return new PassengerInfoState { DisplayName = name, Email = email, Language = language };
    }

    /// <summary>Checks a tier of a request; unspecified is <paramref name="fallback"/>, or refused when none.</summary>
    /// <param name="tier">The tier.</param>
    /// <param name="fallback">The tier when unspecified; null to refuse it.</param>
    /// <returns>The tier.</returns>
    public static LoyaltyTier Tier(LoyaltyTier tier, LoyaltyTier? fallback)
    {
        if (tier == LoyaltyTier.Unspecified) return fallback ?? throw DomainRefusalException.Invalid("tier", "is required");
        return Enum.IsDefined(tier) ? tier : throw DomainRefusalException.Invalid("tier", "must be STANDARD, SILVER or GOLD");
    }

    /// <summary>Checks a reason text.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The reason, trimmed.</returns>
    public static string Reason(string reason) =>
        reason.Trim() is { Length: <= MaxReasonLength } trimmed ? trimmed : throw DomainRefusalException.Invalid("reason", $"at most {MaxReasonLength} characters");

    /// <summary>Checks a top-up amount: 1 cent to <see cref="MaxTopUpCents"/>.</summary>
    /// <param name="cents">The amount.</param>
    /// <returns>The amount.</returns>
    public static long Amount(long cents) => cents switch
    {
        <= 0 => throw DomainRefusalException.Invalid("amount_cents", "must be positive"),
        > MaxTopUpCents => throw DomainRefusalException.Invalid("amount_cents", $"at most {MaxTopUpCents} (500.00) per top-up"),
        _ => cents,
    };

    /// <summary>
    /// Checks a payment method token: 8 to 64 characters from [A-Za-z0-9_-], with no run of 12 or more digits (ignoring
    /// spaces and dashes), so that a card number (12 to 19 digits) is never taken for one. The refusal never repeats it.
    /// </summary>
    /// <param name="token">The token.</param>
    /// <param name="field">The field's proto path.</param>
    /// <returns>The token.</returns>
    public static string PaymentMethodToken(string token, string field = "payment_method_token")
    {
        if (string.IsNullOrEmpty(token)) throw DomainRefusalException.Invalid(field, "is required");
        if (LooksLikeCardNumber(token)) throw DomainRefusalException.Invalid(field, "must be the payment provider's token, never a card number");
        return Token().IsMatch(token) ? token : throw DomainRefusalException.Invalid(field, "must be 8 to 64 characters from [A-Za-z0-9_-]");
    }

    /// <summary>Whether <paramref name="text"/> holds 12 or more digits in a row, spaces and dashes aside (a card number's shape).</summary>
    /// <param name="text">The text.</param>
    /// <returns>True when it does.</returns>
    public static bool LooksLikeCardNumber(string text)
    {
        var run = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                if (++run >= 12) return true;
            }
            else if (c is not (' ' or '-'))
            {
                run = 0;
            }
        }
        return false;
    }

    [GeneratedRegex(@"^[^\s@]{1,64}@[^\s@]+\.[^\s@]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Language();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{8,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
