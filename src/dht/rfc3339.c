/*
 * rfc3339.c — strict RFC 3339 parsing and formatting (see rfc3339.h).
 */
#include "dht/rfc3339.h"

#include <stdio.h>

#include "core/err.h"

/* Read n decimal digits */
static int
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian) */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	int64_t		yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Days in a month of a year */
static int
month_days(int y, int m)
{
	static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return md[m - 1];
}

/* Parse a timestamp */
int
hy_rfc3339_parse(const char *s, size_t len, int64_t *unix_ns)
{
	int			Y,
				M,
				D,
				h,
				mi,
				sec,
				oh = 0,
				om = 0,
				sign = 0;
	int64_t		frac = 0,
				secs;
	size_t		p = 19;

	if (len < 20 || len > 64)
		return HY_ERR_INVALID;
	if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
		digits(s + 8, 2, &D) || s[10] != 'T' || digits(s + 11, 2, &h) ||
		s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
		digits(s + 17, 2, &sec))
		return HY_ERR_INVALID;
	if (M < 1 || M > 12 || D < 1 || D > month_days(Y, M) || h > 23 || mi > 59 ||
		sec > 59)
		return HY_ERR_INVALID;
	if (s[p] == '.')
	{
		int			nd = 0;

		p++;
		while (p < len && s[p] >= '0' && s[p] <= '9')
		{
			if (++nd > 9)
				return HY_ERR_INVALID;
			frac = frac * 10 + (s[p] - '0');
			p++;
		}
		if (nd == 0)
			return HY_ERR_INVALID;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (p >= len)
		return HY_ERR_INVALID;
	if (s[p] == 'Z')
		p++;
	else if (s[p] == '+' || s[p] == '-')
	{
		sign = s[p] == '+' ? 1 : -1;
		if (len - p < 6 || digits(s + p + 1, 2, &oh) || s[p + 3] != ':' ||
			digits(s + p + 4, 2, &om) || oh > 23 || om > 59)
			return HY_ERR_INVALID;
		p += 6;
	}
	else
		return HY_ERR_INVALID;
	if (p != len)
		return HY_ERR_INVALID;
	secs = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec -
		sign * (oh * 3600 + om * 60);
	/* int64 nanoseconds cover 1677..2262; clamp outside */
	if (secs > INT64_MAX / 1000000000 - 1)
		*unix_ns = INT64_MAX;
	else if (secs < INT64_MIN / 1000000000 + 1)
		*unix_ns = INT64_MIN;
	else
		*unix_ns = secs * 1000000000 + frac;
	return HY_OK;
}

/* Format Unix milliseconds */
int
hy_rfc3339_format(uint64_t unix_ms, char out[HY_RFC3339_MAX])
{
	int64_t		secs = (int64_t) (unix_ms / 1000);
	int64_t		days = secs / 86400,
				rem = secs % 86400;
	int64_t		z = days + 719468,
				era = z / 146097,
				doe = z - era * 146097,
				yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365,
				y = yoe + era * 400,
				doy = doe - (365 * yoe + yoe / 4 - yoe / 100),
				mp = (5 * doy + 2) / 153,
				d = doy - (153 * mp + 2) / 5 + 1,
				m = mp < 10 ? mp + 3 : mp - 9;

	y += m <= 2;
	return snprintf(out, HY_RFC3339_MAX, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09lldZ",
					(long long) y, (long long) m, (long long) d,
					(long long) (rem / 3600), (long long) (rem % 3600 / 60),
					(long long) (rem % 60),
					(long long) (unix_ms % 1000) * 1000000);
}
